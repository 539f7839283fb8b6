# The eligibility admin is split by owner: exclusion lists, and waves with their screening.
from eligibility import admin_lists, admin_screening  # noqa: F401
