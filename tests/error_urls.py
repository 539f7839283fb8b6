"""Test-only urlconf: the project's URLs plus views that fail on purpose, for tests/test_error_pages.py.

The project itself gets no such route: a URL that raises would be an open door to noisy 500s in production.
"""
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def raise_server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("deliberate failure for the 500 page test")


def raise_suspicious_operation(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("deliberate refusal for the 400 page test")


urlpatterns = [
    path("uji-galat/500/", raise_server_error),
    path("uji-galat/400/", raise_suspicious_operation),
    path("", include("prakerja.urls")),
]
