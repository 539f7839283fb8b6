"""A `,` or `;` delimiter for every CSV, chosen on the report page or on the command line."""
from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse


@pytest.mark.parametrize("name", ["reports:results_csv", "reports:summary_csv", "reports:clusters_csv"])
def test_it_writes_semicolons_when_asked(client, reporter, wave, name):
    client.force_login(reporter)
    response = client.get(reverse(name, kwargs={"number": wave.number}), {"sep": ";"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows[0]) > 2 and "," not in text.splitlines()[0]
    assert {len(row) for row in rows} == {len(rows[0])}


def test_the_page_offers_both_delimiters(client, reporter, wave):
    client.force_login(reporter)
    page = client.get(reverse("reports:wave", kwargs={"number": wave.number})).content.decode()
    assert 'name="sep"' in page and '<option value=";">' in page and '<option value=",">' in page


def test_it_refuses_another_delimiter(client, reporter, wave):
    client.force_login(reporter)
    response = client.get(reverse("reports:results_csv", kwargs={"number": wave.number}), {"sep": "|"})
    assert response.status_code == 400
    assert "Pemisah &#x27;|&#x27; tidak dikenal" in response.content.decode()


def test_the_command_writes_semicolons(wave, tmp_path):
    out = tmp_path / "hasil.csv"
    call_command("screening_report", "21", "--delimiter", ";", "--output", str(out), stdout=io.StringIO())
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["gelombang", "nik", "kk"] and len(rows) == 7
