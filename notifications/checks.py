"""Range checks of the notification settings: refused at start-up, never clamped."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def notification_settings(app_configs, **kwargs) -> list:
    problems = []
    for name, low in (("NOTIFICATION_RATE", 0.001), ("NOTIFICATION_BATCH", 1), ("PRAKERJA_TRAINING_DEADLINE_DAYS", 1)):
        if getattr(settings, name) < low:
            problems.append(Error(f"{name} must be at least {low}.", id="notifications.E001"))
    return problems
