"""Template tags of the applicant's pages."""
from __future__ import annotations

import datetime as dt

from django import template
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from registration.public_pages import DEFERRED_COUNTDOWNS, countdown_marker

register = template.Library()


def _formats() -> tuple[str, str]:
    # One pair of format strings serves the server-rendered text and static/js/countdown.js, which
    # ticks it: no plural forms, so JavaScript needs no translation machinery.
    return _("%(days)s d %(hours)s h left"), _("%(hours)s h %(minutes)s min left")


def countdown_text(seconds: int) -> str:
    """The time left as "3 hari 4 jam lagi" (a day or more) or "4 jam 5 menit lagi", in the current language."""
    days, rest = divmod(max(0, seconds), 86400)
    hours, rest = divmod(rest, 3600)
    format_days, format_hours = _formats()
    if days:
        return format_days % {"days": days, "hours": hours}
    return format_hours % {"hours": hours, "minutes": rest // 60}


def countdown_context(target: dt.datetime, now: dt.datetime | None = None, done_text: str = "") -> dict:
    """The time left until `target` as the countdown template's context: "seconds" (int, >= 0), "text" (in the
    current language), the two format strings static/js/countdown.js ticks with, and `done_text`."""
    seconds = int((target - (now or timezone.now())).total_seconds())
    format_days, format_hours = _formats()
    return {
        "seconds": max(0, seconds),
        "text": countdown_text(seconds) if seconds > 0 else done_text,
        "format_days": format_days,
        "format_hours": format_hours,
        "done_text": done_text,
    }


def render_countdown(target: dt.datetime, now: dt.datetime | None = None, done_text: str = "") -> str:
    """The countdown's HTML: server-rendered (works without JavaScript) and ticked by JS from the number of
    seconds the server computed (the phone's clock may be wrong)."""
    return get_template("registration/_countdown.html").render(countdown_context(target, now, done_text))


@register.simple_tag(takes_context=True)
def countdown(context, target: dt.datetime, now: dt.datetime | None = None, done_text: str = "") -> str:
    """`{% countdown target now done_text %}`. On a page rendered for the public page cache
    (registration.public_pages) it leaves a marker and its target instead: each request fills in its own."""
    deferred = context.get(DEFERRED_COUNTDOWNS)
    if deferred is not None:
        deferred.append((target, str(done_text)))
        return mark_safe(countdown_marker(len(deferred) - 1))
    return mark_safe(render_countdown(target, now, done_text))


@register.filter
def minutes(duration: dt.timedelta | None) -> int:
    """Whole minutes of a duration, rounded up (the lock-out page's AXES cool-off: "try again in 15 minutes")."""
    if duration is None:
        return 0
    return -(-int(duration.total_seconds()) // 60)
