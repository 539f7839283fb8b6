"""`bench_report_csv` runs (tiny) on PostgreSQL, and refuses other databases."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from reports.models import AuditEntry, WaveSummary


def test_it_refuses_other_databases_than_postgresql(db):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL: see the test below")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench_report_csv", "--registrations", "10")


# transactional_db: the report page is requested by a process of its own, which must see the bench waves.
def test_it_times_the_csv_the_summary_and_the_page_beside_their_references(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    out = io.StringIO()
    call_command("bench_report_csv", "--registrations", "300", "400", "--runs", "1", stdout=out)
    text = out.getvalue()
    assert "streamed CSV (view path): 300 rows" in text
    assert "COPY (SELECT ...) TO STDOUT: 300 rows" in text
    assert "peak memory (ru_maxrss)" in text
    assert "summary, 300 registrations:" in text and "summary, 400 registrations:" in text
    assert "bare count join of registrations and results" in text
    assert "report page, 400 registrations:" in text and "peak RSS" in text and "300 wave:" in text
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.RESULTS).get().row_count == 300
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.PAGE).count() == 2 * 2  # two requests per probe
    assert WaveSummary.objects.count() == 2  # one stored summary per wave, rebuilt for each run
    # A second run reuses the waves instead of building them again.
    out = io.StringIO()
    call_command("bench_report_csv", "--registrations", "300", "--runs", "1", stdout=out)
    assert "building" not in out.getvalue()
    # A quick re-run of one part measures only that part.
    out = io.StringIO()
    call_command("bench_report_csv", "--registrations", "300", "400", "--runs", "1", "--only", "page", stdout=out)
    text = out.getvalue()
    assert "report page, 400 registrations:" in text
    assert "streamed CSV" not in text and "summary, 300 registrations:" not in text
