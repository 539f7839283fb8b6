"""What the project's admin classes share about personal data."""
from __future__ import annotations

from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest


class PersonalDataLookupsMixin:
    """Refuses changelist URL filters on personal-data fields to staff who may only see those fields masked.

    Django's admin accepts any `?field__lookup=value` on a model's own fields. Masking a column is not enough
    when `?nik__startswith=3201` answers whether a row matches: asked digit by digit, it reveals the whole number.
    A refused lookup is a 400 (DisallowedModelAdminLookup), and nothing is shown.
    """

    personal_fields: frozenset[str] = frozenset()
    personal_data_permission: str = ""

    def lookup_allowed(self, lookup: str, value, request: HttpRequest) -> bool:
        if not request.user.has_perm(self.personal_data_permission) and any(
                part in self.personal_fields for part in lookup.split(LOOKUP_SEP)):
            return False
        return super().lookup_allowed(lookup, value, request)


class ReadOnlyAdminMixin:
    """Records written only by the services (loads, screenings, joins, audit entries): staff may look, never add,
    change or delete them by hand."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
