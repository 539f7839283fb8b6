"""The audit of staff searches for personal data and of list pages that show it."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonalDataSearch(models.Model):
    """One staff search by NIK, phone or e-mail (or one opening of a list of people): who, when, what kind, where,
    how many rows answered. The searched value itself is never stored, not even masked: a masked NIK plus the
    answer would help rebuild it. Written by staff.lookups; read-only in the admin."""

    class Kind(models.TextChoices):
        NIK = "nik", _("NIK")
        PHONE = "phone", _("mobile phone")
        EMAIL = "email", _("e-mail address")
        LIST = "list", _("list of people")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("user"))
    # The e-mail of the user: kept even if the account is deleted later.
    actor = models.CharField(_("who"), max_length=254)
    kind = models.CharField(_("what"), max_length=8, choices=Kind)
    # Where: "applicants", "registrations", "accounts", "exclusion lists".
    target = models.CharField(_("where"), max_length=32)
    result_count = models.PositiveIntegerField(_("results"))

    class Meta:
        verbose_name = _("personal-data search")
        verbose_name_plural = _("personal-data searches")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)
        permissions = [("search_personal_data", _("Can search people by NIK, phone or e-mail"))]

    def __str__(self) -> str:
        return f"{self.actor} {self.kind} {self.target} ({self.result_count})"
