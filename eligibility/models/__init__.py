from eligibility.models.lists import ExclusionList, ListCategory
from eligibility.models.screening import ReasonCode, ScreeningResult, ScreeningRun

__all__ = ["ExclusionList", "ListCategory", "ReasonCode", "ScreeningResult", "ScreeningRun"]
