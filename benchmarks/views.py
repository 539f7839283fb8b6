"""The surge benchmark's references (bench_surge), served only where the benchmarks app is installed
(BENCHMARKS=True): the floor of any page, and the floor of any write that needs a logged-in session."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

FLOOR_TABLE = "bench_surge_floor"  # created by bench_surge


def trivial(request: HttpRequest) -> HttpResponse:
    """Every middleware of the site, no template, no query."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
@require_POST
def insert_one_row(request: HttpRequest) -> HttpResponse:
    """A logged-in POST (session, user, CSRF) that inserts one row and redirects, as the join does."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FLOOR_TABLE} (user_id, at) VALUES (%s, now())", [request.user.pk])
    return HttpResponse(status=302, headers={"Location": "/dasbor/"})
