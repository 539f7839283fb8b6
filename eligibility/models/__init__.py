from eligibility.models.draw import PublishedDraw
from eligibility.models.lists import ExclusionList, ListCategory
from eligibility.models.screening import ReasonCode, ScreeningResult, ScreeningRun

__all__ = ["PublishedDraw", "ExclusionList", "ListCategory", "ReasonCode", "ScreeningResult", "ScreeningRun"]
