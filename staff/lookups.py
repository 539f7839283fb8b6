"""Staff searches for people by NIK, phone or e-mail, and list pages showing personal data: posted (never in a
URL, so never in an access log or browser history), rationed per staff member, and audited (PersonalDataSearch:
who, when, what kind, where, how many rows; never the value). README, "Staff roles".

The ration stops a staff member without the whole-NIK permission from rebuilding a whole NIK out of its masked
form by trying the hidden digits: a few hundred searches, against STAFF_SEARCH_RATE_LIMIT (30 an hour).
"""
from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from prakerja.lib.identity import IdentityError, canonical_email, clean_number, normalize_phone
from registration.models import Applicant, User
from staff.models import PersonalDataSearch

Kind = PersonalDataSearch.Kind
SEARCH_PERMISSION = "staff.search_personal_data"


class SearchRefused(Exception):
    """The searched value is not a NIK, phone or e-mail address of the chosen kind."""


def over_ration(request: HttpRequest, *, group: str, rate: str) -> bool:
    """Counts one use of `group` for the signed-in staff member (django-ratelimit, the shared cache) and says
    whether they are now over `rate` (e.g. "30/h")."""
    return is_ratelimited(request, group=f"staff:{group}", key="user", rate=rate, increment=True)


def over_search_ration(request: HttpRequest) -> bool:
    return over_ration(request, group="search", rate=settings.STAFF_SEARCH_RATE_LIMIT)


def over_list_ration(request: HttpRequest) -> bool:
    return over_ration(request, group="list", rate=settings.STAFF_LIST_RATE_LIMIT)


def record(*, user: User, kind: str, target: str, result_count: int) -> PersonalDataSearch:
    """The audit row of one search or one list page: the value searched is never an argument."""
    return PersonalDataSearch.objects.create(user=user, actor=user.email, kind=kind, target=target,
                                             result_count=result_count)


def find_applicants(*, kind: str, value: str) -> QuerySet[Applicant]:
    """Applicants whose whole NIK, mobile number or e-mail inbox is `value` (written any way the profile form
    accepts). Exact matches only: no prefix search. Raises SearchRefused for a value that is not of that kind."""
    applicants = Applicant.objects.select_related("user")
    if kind == Kind.NIK:
        number = clean_number(value)
        if not (number.isdigit() and len(number) == 16):
            raise SearchRefused
        return applicants.filter(nik=number)
    if kind == Kind.PHONE:
        try:
            return applicants.filter(phone=normalize_phone(value))
        except IdentityError:
            raise SearchRefused from None
    if kind == Kind.EMAIL:
        if "@" not in value:
            raise SearchRefused
        return applicants.filter(user__email_canonical=canonical_email(value))
    raise SearchRefused
