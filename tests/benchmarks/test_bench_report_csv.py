"""`bench_report_csv` runs (tiny) on PostgreSQL, and refuses other databases."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from reports.models import AuditEntry


def test_it_streams_a_small_bench_wave_beside_copy_on_postgresql_only(db):
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="needs PostgreSQL"):
            call_command("bench_report_csv", "--registrations", "10")
        return
    out = io.StringIO()
    call_command("bench_report_csv", "--registrations", "300", "--summary", stdout=out)
    text = out.getvalue()
    assert "streamed CSV (view path): 300 rows" in text
    assert "COPY (SELECT ...) TO STDOUT: 300 rows" in text
    assert "peak memory (ru_maxrss)" in text
    assert AuditEntry.objects.get().row_count == 300
    # A second run reuses the wave instead of building it again.
    out = io.StringIO()
    call_command("bench_report_csv", "--registrations", "300", stdout=out)
    assert "building" not in out.getvalue()
