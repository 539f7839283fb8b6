"""Site-wide pages that belong to no app: the failed CSRF check (settings.CSRF_FAILURE_VIEW)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 with templates/403_csrf.html: the form expired, reload and press again, links home (and to the
    dashboard when signed in). Django's `reason` is for developers and is not shown. Rendering the layout's forms
    issues a fresh token, so the reloaded page posts with it."""
    return render(request, "403_csrf.html", status=403)
