"""Public pages (landing, wave page) at the deadline surge: each served whole from a few seconds' cache.

An anonymous visitor's landing page differs from the next visitor's in two things only: the CSRF token of the
language switch and the countdown. So a page is rendered once per path, language, wave and phase with a marker in
their place, kept `PUBLIC_PAGE_SECONDS` in this process (caches["public"], locmem: no round trip), and each
request fills in its own token and a countdown computed from its own clock. Signed-in visitors, visitors with a
message waiting, and URLs with a query string get the page rendered as before.

Nothing personal is cached: the cached text is rendered for an anonymous visitor with no message and no token.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.contrib import messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

# How long a public page (and the wave it shows) is reused. A staff change of a wave shows within this many
# seconds; joining never relies on it (registration.services.join_wave reads the wave under lock).
PUBLIC_PAGE_SECONDS = 5

# Stand-ins rendered into the cached text, replaced per request. Plain ASCII that HTML escaping leaves alone
# and no visitor input can produce (the cached page holds none).
CSRF_MARKER = "csrf-token-filled-in-per-request"
DEFERRED_COUNTDOWNS = "deferred_countdowns"  # context key: where {% countdown %} leaves its target


def countdown_marker(index: int) -> str:
    return f"<!--countdown-{index}-->"


def cacheable(request: HttpRequest) -> bool:
    """True for the request every other anonymous visitor would get the same page for."""
    return (request.method in ("GET", "HEAD") and not request.META.get("QUERY_STRING")
            and not request.user.is_authenticated and not len(messages.get_messages(request)))


def wave_fingerprint(wave) -> str:
    """Every stored field of `wave` (a Wave or None), so that any staff change keys a new page."""
    if wave is None:
        return "none"
    values = repr([getattr(wave, field.attname) for field in wave._meta.concrete_fields])
    return hashlib.blake2b(values.encode(), digest_size=12).hexdigest()


def public_page(request: HttpRequest, template_name: str, context: Callable[[], dict], *, wave, phase: str
                ) -> HttpResponse:
    """`template_name` rendered with `context()`: whole from the cache when `cacheable(request)`, with this
    request's CSRF token and countdowns (registration_tags.countdown) filled in; `context` is called only when
    the page is rendered."""
    if not cacheable(request):
        return render(request, template_name, context())
    cache = caches["public"]
    key = f"page:{request.path}:{get_language()}:{phase}:{wave_fingerprint(wave)}"
    entry = cache.get(key)
    if entry is None:
        deferred: list[tuple[dt.datetime, str]] = []
        text = render_to_string(template_name, {**context(), "csrf_token": CSRF_MARKER, DEFERRED_COUNTDOWNS: deferred},
                                request)
        entry = (text, tuple(deferred))
        cache.set(key, entry, PUBLIC_PAGE_SECONDS)
    text, deferred = entry
    from registration.templatetags.registration_tags import render_countdown

    now = timezone.now()
    text = text.replace(CSRF_MARKER, get_token(request))
    for index, (target, done_text) in enumerate(deferred):
        text = text.replace(countdown_marker(index), render_countdown(target, now, done_text))
    return HttpResponse(text)
