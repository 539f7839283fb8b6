from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff access")


# django-otp's apps have no verbose names and its models untranslated ones: the admin index showed "Otp_Totp",
# "TOTP devices", "Otp_Static" and "Static devices". These configs (named in INSTALLED_APPS) name them in the
# reader's language. The model names are set on _meta, not in the models' Meta: the migrations read the Meta
# (original_attrs), so no migration of the third-party app follows.
class OTPTotpConfig(AppConfig):
    name = "django_otp.plugins.otp_totp"
    default_auto_field = "django.db.models.AutoField"
    verbose_name = _("Second factor: authenticator apps")

    def ready(self) -> None:
        meta = self.get_model("TOTPDevice")._meta
        meta.verbose_name, meta.verbose_name_plural = _("authenticator app"), _("authenticator apps")


class OTPStaticConfig(AppConfig):
    name = "django_otp.plugins.otp_static"
    default_auto_field = "django.db.models.AutoField"
    verbose_name = _("Second factor: recovery codes")

    def ready(self) -> None:
        meta = self.get_model("StaticDevice")._meta
        meta.verbose_name, meta.verbose_name_plural = _("recovery code set"), _("recovery code sets")
        token = self.get_model("StaticToken")._meta
        token.verbose_name, token.verbose_name_plural = _("recovery code"), _("recovery codes")
