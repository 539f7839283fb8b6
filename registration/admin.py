"""Admin for accounts, applicants and registrations. Waves are in eligibility/admin.py.

Personal data (UU 27/2022): NIK, KK, birth date and phone are shown masked (prakerja.lib.privacy) unless
the staff member may see them whole (privacy.can_see_whole). Applicants and registrations are read-only here: they change only through
the applicant's own pages and the services.
"""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from prakerja.lib.admin import AuditedPersonalListMixin, PersonalDataLookupsMixin, ReadOnlyAdminMixin
from prakerja.lib.identity import PROVINCE_CODES, clean_number
from prakerja.lib.privacy import (
    WHOLE_VALUES_PERMISSION, can_see_whole, mask_birth_date, mask_email, mask_name, mask_number, mask_phone,
)
from registration.models import Applicant, Registration, User

def _sees_full_numbers(request: HttpRequest) -> bool:
    return can_see_whole(request.user)


class VerifiedFilter(admin.SimpleListFilter):
    title = _("e-mail verified")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(email_verified_at__isnull=self.value() == "no")
        return queryset


class AccountCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class AccountChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class AccountAdmin(AuditedPersonalListMixin, UserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["email", "verified", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = [VerifiedFilter, "is_staff", "is_superuser", "is_active", "groups"]
    # No search box: an e-mail in a GET query string lands in access logs; staff search on the posted look-up page.
    search_fields = []
    personal_list_target = "accounts"
    ordering = ["email"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Verification"), {"fields": ["email_verified_at"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]}),
    ]

    @admin.display(description=_("verified"), boolean=True, ordering="email_verified_at")
    def verified(self, obj: User) -> bool:
        return obj.is_verified


class ProvinceFilter(admin.SimpleListFilter):
    """Province = the first two digits of the NIK (docs/DOMAIN.md)."""

    title = _("province")
    parameter_name = "province"

    def lookups(self, request, model_admin):
        return sorted(PROVINCE_CODES.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        if self.value() in PROVINCE_CODES:
            return queryset.filter(**{f"{self.nik_field}__startswith": self.value()})
        return queryset

    nik_field = "nik"


class _PersonalDataMixin(PersonalDataLookupsMixin, ReadOnlyAdminMixin):
    """Masks NIK, KK, birth date and phone for staff who may not see them whole (privacy.can_see_whole).

    The admin is one shared instance serving every request, so the choice is made per request in
    get_list_display/get_fields (never stored on self): columns named in `full_columns` are swapped for
    their masked counterparts.
    """

    full_columns: dict[str, str] = {}  # full column -> masked column
    personal_fields = frozenset({"nik", "kk", "phone", "birth_date", "nik_digest", "kk_digest"})
    personal_data_permission = WHOLE_VALUES_PERMISSION

    def _for(self, request: HttpRequest, names) -> list[str]:
        if _sees_full_numbers(request):
            return list(names)
        return [self.full_columns.get(name, name) for name in names]

    def get_list_display(self, request):
        return self._for(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return self._for(request, super().get_fields(request, obj))



@admin.register(Applicant)
class ApplicantAdmin(AuditedPersonalListMixin, _PersonalDataMixin, admin.ModelAdmin):
    list_display = ["full_name", "nik", "kk", "phone", "email", "province_name", "created_at"]
    full_columns = {"nik": "nik_masked", "kk": "kk_masked", "phone": "phone_masked", "birth_date": "birth_date_masked",
                    "full_name": "full_name_masked", "email": "email_masked"}
    list_filter = [ProvinceFilter, "not_in_formal_education", "created_at"]
    # Searches by NIK, phone or e-mail: the posted, rationed, audited look-up page (staff.lookups), never a GET.
    personal_list_target = "applicants"
    list_select_related = ["user"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    fields = ["email", "full_name", "nik", "kk", "birth_date", "phone", "not_in_formal_education",
              "created_at", "updated_at"]
    readonly_fields = [*fields, *full_columns.values()]

    @admin.display(description=_("e-mail address"), ordering="user__email")
    def email(self, obj: Applicant) -> str:
        return obj.user.email

    @admin.display(description=_("province"))
    def province_name(self, obj: Applicant) -> str:
        return obj.province

    @admin.display(description=_("NIK"))  # no sorting: the order of whole NIKs would reveal hidden digits
    def nik_masked(self, obj: Applicant) -> str:
        return mask_number(obj.nik)

    @admin.display(description=_("KK"))
    def kk_masked(self, obj: Applicant) -> str:
        return mask_number(obj.kk)

    @admin.display(description=_("mobile phone"))
    def phone_masked(self, obj: Applicant) -> str:
        return mask_phone(obj.phone)

    @admin.display(description=_("birth date"))
    def birth_date_masked(self, obj: Applicant) -> str:
        return mask_birth_date(obj.birth_date)

    @admin.display(description=_("full name"))
    def full_name_masked(self, obj: Applicant) -> str:
        return mask_name(obj.full_name)

    @admin.display(description=_("e-mail address"))
    def email_masked(self, obj: Applicant) -> str:
        return mask_email(obj.user.email)


class RegistrationProvinceFilter(ProvinceFilter):
    nik_field = "applicant__nik"


@admin.register(Registration)
class RegistrationAdmin(AuditedPersonalListMixin, _PersonalDataMixin, admin.ModelAdmin):
    list_display = ["id", "wave", "applicant_name", "nik", "email", "registered_at", "seconds_since_signup"]
    full_columns = {"nik": "nik_masked", "applicant_name": "applicant_name_masked", "email": "email_masked"}
    list_filter = ["wave", RegistrationProvinceFilter]
    personal_list_target = "registrations"
    list_select_related = ["wave", "applicant", "applicant__user"]
    ordering = ["-registered_at"]
    fields = ["wave", "applicant_name", "nik", "email", "registered_at", "seconds_since_signup"]
    readonly_fields = [*fields, *full_columns.values()]

    @admin.display(description=_("applicant"), ordering="applicant__full_name")
    def applicant_name(self, obj: Registration) -> str:
        return obj.applicant.full_name

    @admin.display(description=_("applicant"))  # no sorting: the order of whole names would reveal them
    def applicant_name_masked(self, obj: Registration) -> str:
        return mask_name(obj.applicant.full_name)

    @admin.display(description=_("e-mail address"))
    def email_masked(self, obj: Registration) -> str:
        return mask_email(obj.applicant.user.email)

    @admin.display(description=_("NIK"), ordering="applicant__nik")
    def nik(self, obj: Registration) -> str:
        return obj.applicant.nik

    @admin.display(description=_("NIK"))  # no sorting: the order of whole NIKs would reveal hidden digits
    def nik_masked(self, obj: Registration) -> str:
        return mask_number(obj.applicant.nik)

    @admin.display(description=_("e-mail address"), ordering="applicant__user__email")
    def email(self, obj: Registration) -> str:
        return obj.applicant.user.email
