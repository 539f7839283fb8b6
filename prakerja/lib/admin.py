"""What the project's admin classes share about personal data."""
from __future__ import annotations

from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


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


class AuditedPersonalListMixin:
    """A changelist of people (NIK, phone, e-mail on every row): each opening is rationed per staff member and
    recorded (staff.lookups: who, when, how many rows; STAFF_LIST_RATE_LIMIT). Such admins have no search box on
    personal data: searches by NIK, phone or e-mail go through the posted look-up page instead."""

    personal_list_target: str = ""

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        from staff import lookups

        if request.method == "GET" and lookups.over_list_ration(request):
            return HttpResponse(_("Too many list pages opened: try again later. Every opening is recorded."),
                                status=429, content_type="text/plain; charset=utf-8")
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            lookups.record(user=request.user, kind=lookups.Kind.LIST, target=self.personal_list_target,
                           result_count=changelist.result_count)
        return response
