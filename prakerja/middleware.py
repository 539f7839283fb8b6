"""Project-wide HTTP rules that are not one app's: no cache keeps personal data."""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


def no_store_for_signed_in(get_response: Callable[[HttpRequest], HttpResponse]):
    """`Cache-Control: no-store` (with Django's never-cache set) on every response to a signed-in user and to
    every POST: the dashboard, profile, admin, reports, exports and evidence files show or hold personal data, and
    a form re-shown after a POST holds what was typed. A browser's back button or a shared proxy then keeps
    nothing. Public pages for anonymous visitors (landing, wave pages) stay cacheable. Static files never get
    here (WhiteNoise answers them first)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        user = getattr(request, "user", None)
        if request.method == "POST" or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private, max-age=0
        return response

    return middleware
