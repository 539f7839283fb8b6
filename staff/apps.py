from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff access")


# django-otp's apps have no verbose names and its models untranslated ones: the admin index showed "Otp_Totp",
# "TOTP devices", "Otp_Static" and "Static devices". These configs (named in INSTALLED_APPS) name them in the
# reader's language. The model names are set on _meta, not in the models' Meta: the migrations read the Meta
# (original_attrs), so no migration of the third-party app follows.
class _NamedConfig(AppConfig):
    """An app config that names its models: `model_names` maps a model to its (singular, plural) names."""

    default_auto_field = "django.db.models.AutoField"
    model_names: dict = {}

    def ready(self) -> None:
        for model, (singular, plural) in self.model_names.items():
            meta = self.get_model(model)._meta
            meta.verbose_name, meta.verbose_name_plural = singular, plural


class OTPTotpConfig(_NamedConfig):
    name = "django_otp.plugins.otp_totp"
    verbose_name = _("Second factor: authenticator apps")
    model_names = {"TOTPDevice": (_("authenticator app"), _("authenticator apps"))}


class OTPStaticConfig(_NamedConfig):
    name = "django_otp.plugins.otp_static"
    verbose_name = _("Second factor: recovery codes")
    model_names = {"StaticDevice": (_("recovery code set"), _("recovery code sets")),
                   "StaticToken": (_("recovery code"), _("recovery codes"))}
