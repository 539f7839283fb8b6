"""Project-wide HTTP rules that are not one app's: request-body limits, and no cache keeps personal data.

Body limits: Django parses a POST (and writes its files to disk) the first time something reads `request.POST`:
the CSRF check does, before the view runs. A view that takes uploads declares its limit with `@body_limit(...)`;
RequestBodyLimitMiddleware, placed before CsrfViewMiddleware, compares the declared Content-Length with it in
process_view and answers 413 with a page that says what fits, so an oversized body is never parsed or stored.
(A body without a Content-Length is read as empty by Django's WSGI handler.)
"""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


def body_limit(limit: Callable[[], int]):
    """View decorator: requests whose Content-Length exceeds `limit()` bytes are refused with 413."""

    def decorator(view):
        view.max_request_bytes = limit  # copied outward by functools.wraps in the other decorators
        return view

    return decorator


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        limit = getattr(view_func, "max_request_bytes", None)
        if limit is None:
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty
        if length <= limit():
            return None
        response = render(request, "413.html", {"limit": limit()}, status=413)
        response["Connection"] = "close"  # the unread body is not waited for
        return response


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
