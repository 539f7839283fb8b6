from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    """After the draw: appeals (sanggahan), revocations, promotions from the reserve, training starts, the helpdesk."""

    name = "aftercare"
    verbose_name = _("After the draw")
