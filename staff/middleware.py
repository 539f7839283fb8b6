"""Every staff page asks for the second factor: a staff member signed in with a password only is sent to enrol
(no authenticator yet) or to enter a code, and reaches nothing else, admin, reports or evidence files alike."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from staff.second_factor import has_confirmed_device, requires_second_factor, session_is_verified


def _open_without_second_factor(path: str) -> bool:
    """The second-factor pages themselves (enrolment lives under the code page's path), logging out, the language
    switch and static files."""
    return path.startswith((reverse("staff:verify"), "/" + settings.STATIC_URL.lstrip("/"),
                            reverse("set_language"), reverse("registration:logout"), reverse("admin:logout")))


def require_second_factor(get_response: Callable[[HttpRequest], HttpResponse]):
    """After the session and authentication middleware."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if requires_second_factor(user) and not session_is_verified(request) \
                and not _open_without_second_factor(request.path_info):
            target = "staff:verify" if has_confirmed_device(user) else "staff:enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return get_response(request)

    return middleware
