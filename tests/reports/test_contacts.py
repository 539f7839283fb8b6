"""The "selected applicants with contact details" export: its own permission, whole values, selected only in
rank order, audited, refused before the selection."""
from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from reports.models import AuditEntry
from tests.reports.conftest import staff_with


@pytest.fixture
def contact_officer(db):
    """PMO staff who may download the selected applicants' contacts (and nothing whole besides)."""
    return staff_with("kontak@prakerja.go.id", "view_wave_report", "download_contacts")


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_it_lists_the_selected_applicants_whole_in_rank_order(client, contact_officer, wave):
    client.force_login(contact_officer)
    response = client.get(reverse("reports:contacts_csv", kwargs={"number": wave.number}), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="gelombang-21-contacts.csv"'
    assert _rows(response) == [
        ["wave", "rank", "nik", "full_name", "phone", "email", "province"],
        ["21", "1", "'1101010101900004", "Dewi", "'+6281311112204", "d@example.com", "Aceh"],
        ["21", "2", "'3202014112900001", "Siti Aminah", "'+6281234567801", "a@example.com", "Jawa Barat"],
    ]
    entry = AuditEntry.objects.get()
    assert (entry.kind, entry.user, entry.full_identity, entry.row_count, entry.completed) == (
        "contacts", contact_officer, True, 2, True)


def test_it_needs_its_own_permission(client, full_reporter, contact_officer, wave):
    client.force_login(full_reporter)  # may download everything else, whole
    assert client.get(reverse("reports:contacts_csv", kwargs={"number": wave.number})).status_code == 403
    assert client.get(reverse("reports:contacts_xlsx", kwargs={"number": wave.number})).status_code == 403
    assert not AuditEntry.objects.exists()
    page = client.get(reverse("reports:wave", kwargs={"number": wave.number})).content.decode()
    assert 'id="contacts"' not in page


def test_the_page_offers_it_to_a_holder(client, contact_officer, wave):
    client.force_login(contact_officer)
    page = client.get(reverse("reports:wave", kwargs={"number": wave.number})).content.decode()
    assert 'id="contacts"' in page and reverse("reports:contacts_xlsx", kwargs={"number": wave.number}) in page


def test_it_is_refused_before_the_selection(client, contact_officer, unselected_wave):
    client.force_login(contact_officer)
    response = client.get(reverse("reports:contacts_csv", kwargs={"number": unselected_wave.number}))
    assert response.status_code == 400 and "belum diundi" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_the_command_writes_it_for_a_holder_only(wave, tmp_path, contact_officer, reporter):
    out = tmp_path / "kontak.csv"
    call_command("screening_report", "21", "--contacts", "--by", contact_officer.email, "--output", str(out),
                 stdout=io.StringIO())
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["gelombang", "peringkat", "nik"] and len(rows) == 3
    assert AuditEntry.objects.get().kind == "contacts"
    with pytest.raises(CommandError, match="lacks the permission reports.download_contacts"):
        call_command("screening_report", "21", "--contacts", "--by", reporter.email, "--output", str(out))
