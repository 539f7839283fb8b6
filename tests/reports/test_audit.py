"""Every report view, download and command run is in the audit log, which staff can read but not edit."""
from __future__ import annotations

from django.core.management import call_command
from django.urls import reverse

from prakerja.lib import csvfile
from reports.models import AuditEntry


def test_it_records_a_page_view(client, reporter, wave):
    client.force_login(reporter)
    client.get(reverse("reports:wave", kwargs={"number": wave.number}))
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.actor, entry.action, entry.kind, entry.wave) == (
        reporter, reporter.email, "view", "page", wave)
    assert entry.completed and not entry.full_identity
    assert entry.row_count == 0  # no cluster rows on this wave


def test_it_records_a_download_with_its_filter_and_row_count(client, reporter, wave):
    client.force_login(reporter)
    response = client.get(reverse("reports:results_csv", kwargs={"number": wave.number}),
                          {"status": "ineligible", "reason": "asn"})
    entry = AuditEntry.objects.get()
    # Written before the first byte leaves ...
    assert (entry.action, entry.kind, entry.status_filter, entry.reason_filter) == ("download", "results", "ineligible", "asn")
    assert entry.row_count is None and not entry.completed
    b"".join(response.streaming_content)
    # ... and completed with the row count when the stream ends.
    entry.refresh_from_db()
    assert entry.row_count == 1 and entry.completed and not entry.full_identity


def test_it_records_an_unmasked_download(client, full_reporter, wave):
    client.force_login(full_reporter)
    response = client.get(reverse("reports:results_csv", kwargs={"number": wave.number}), {"full": "1"})
    b"".join(response.streaming_content)
    entry = AuditEntry.objects.get()
    assert entry.full_identity and entry.row_count == 6


def test_it_marks_an_abandoned_download_incomplete(reporter, wave):
    from reports import services

    blocks, counter = services.export(wave=wave, kind="results")
    entry = services.record_access(user=reporter, actor=reporter.email, action="download", wave=wave, kind="results")
    stream = services.audited(entry, blocks, counter)
    next(stream)  # the header, then the client goes away and the server closes the response
    stream.close()
    entry.refresh_from_db()
    assert not entry.completed and entry.row_count == 0


def test_it_counts_only_the_rows_of_chunks_handed_over_before_a_disconnect(rf, reporter, wave, monkeypatch):
    from django.core.signals import request_finished
    from django.db import close_old_connections

    from reports import views

    # Six rows in chunks of two: header, [A, B], [C, D], [E, F].
    monkeypatch.setattr(csvfile, "CHUNK_ROWS", 2)
    request = rf.get(reverse("reports:results_csv", kwargs={"number": wave.number}))
    request.user = reporter
    response = views.results_csv(request, number=wave.number)
    blocks = iter(response)
    header, first, second = next(blocks), next(blocks), next(blocks)
    assert header.startswith("\ufeffgelombang,nik,".encode()) and first.count(b"\n") == 2 and second.count(b"\n") == 2
    # The server asked for the second chunk, so the first one was written out; the second one never
    # reached the client: the connection dropped while it was being sent, and the server closes the
    # response. (Its request_finished would close the test's database connection: the test client
    # keeps it open the same way.)
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.kind, entry.completed) == ("download", "results", False)
    assert entry.row_count == 2


def test_a_stream_closed_after_its_last_chunk_counts_the_chunks_before_it(reporter, wave):
    from reports import services

    counter = [0]
    blocks = csvfile.csv_blocks([csvfile.Column("a", "a")], [[(1,), (2,)], [(3,)]], counter=counter)
    entry = services.record_access(user=reporter, actor=reporter.email, action="download", wave=wave, kind="results")
    stream = services.audited(entry, blocks, counter)
    assert [next(stream) for _ in range(3)] == ["\ufeffa\r\n".encode(), b"1\r\n2\r\n", b"3\r\n"]
    stream.close()
    entry.refresh_from_db()
    assert (entry.row_count, entry.completed) == (2, False)


def test_it_records_summary_and_cluster_downloads(client, reporter, wave):
    client.force_login(reporter)
    for name in ("reports:summary_csv", "reports:clusters_csv"):
        b"".join(client.get(reverse(name, kwargs={"number": wave.number})).streaming_content)
    assert list(AuditEntry.objects.order_by("pk").values_list("kind", "completed")) == [
        ("summary", True), ("clusters", True)]


def test_it_records_a_command_run(wave, tmp_path, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "operator")
    out = tmp_path / "eligible.csv"
    call_command("screening_report", str(wave.number), "--status", "eligible", "--output", str(out))
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.actor, entry.action, entry.status_filter) == (None, "command-line:operator", "command", "eligible")
    assert entry.row_count == 3 and entry.completed and not entry.full_identity
    assert entry.output == str(out)


def test_it_records_the_staff_member_named_with_by(wave, tmp_path, full_reporter):
    call_command("screening_report", str(wave.number), "--full-nik", "--by", full_reporter.email,
                 "--output", str(tmp_path / "all.csv"))
    entry = AuditEntry.objects.get()
    assert entry.user == full_reporter and entry.actor == full_reporter.email and entry.full_identity


def test_the_audit_admin_is_read_only(admin_client, reporter, wave):
    from django.test import Client

    viewer = Client()
    viewer.force_login(reporter)
    viewer.get(reverse("reports:wave", kwargs={"number": wave.number}))
    entry = AuditEntry.objects.get()
    changelist = admin_client.get(reverse("admin:reports_auditentry_changelist"))
    assert changelist.status_code == 200 and reporter.email in changelist.content.decode()
    detail = admin_client.get(reverse("admin:reports_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200 and b'name="actor"' not in detail.content  # shown, not editable
    assert admin_client.get(reverse("admin:reports_auditentry_add")).status_code == 403
    assert admin_client.post(reverse("admin:reports_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert admin_client.post(reverse("admin:reports_auditentry_change", args=[entry.pk]), {"actor": "x"}).status_code == 403
    assert AuditEntry.objects.get().actor == reporter.email


def test_staff_with_the_view_permission_can_read_the_log(client, reporter, wave):
    from django.contrib.auth.models import Permission

    reporter.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    client.force_login(reporter)
    assert client.get(reverse("admin:reports_auditentry_changelist")).status_code == 200
