"""The result CSV: header, columns, order, filters, masking; the summary and cluster CSVs."""
from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from reports.services import RESULT_COLUMNS, export

HEADER = "wave,nik,kk,full_name,province,registered_at,status,reasons,selected,rank"


def _download(client, user, wave, name="reports:results_csv", language="en", **params):
    client.force_login(user)
    response = client.get(reverse(name, kwargs={"number": wave.number}), params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    assert response.streaming
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # UTF-8 with a byte-order mark
    body = raw.decode("utf-8-sig")
    return response, body


def _rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def test_it_streams_the_full_result_with_the_agreed_header(client, reporter, wave):
    response, body = _download(client, reporter, wave)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="gelombang-21-results.csv"'
    assert body.splitlines()[0] == HEADER
    rows = _rows(body)
    assert rows[0] == RESULT_COLUMNS
    assert rows[1:] == [
        ["21", "'3202********0001", "'3201********0001", "S**** A****", "Jawa Barat", "2021-04-01T08:00:00+07:00", "Eligible", "", "yes", "2"],
        ["21", "'3578********0002", "'3578********0002", "B**** S****", "Jawa Timur", "2021-04-01T09:00:00+07:00", "Ineligible", "asn;bansos", "no", ""],
        ["21", "'3201********0003", "'3201********0001", "C**** P****", "Jawa Barat", "2021-04-02T10:00:00+07:00", "Ineligible", "kk_limit", "no", ""],
        ["21", "'1101********0004", "'1101********0004", "D****", "Aceh", "2021-04-02T23:30:00+07:00", "Eligible", "", "yes", "1"],
        ["21", "'3201********0005", "'3201********0005", "E**** P****", "Jawa Barat", "2021-04-03T00:30:00+07:00", "Eligible", "", "no", "3"],
        ["21", "'3578********0006", "'3578********0006", "F**** N****", "Jawa Timur", "2021-04-03T12:00:00+07:00", "Ineligible", "prior_awardee", "no", ""],
    ]


def test_it_orders_rows_by_registration_time_then_id(client, reporter, wave):
    from registration.models import Registration

    # Two registrations in the same second: the lower id comes first.
    first, second = Registration.objects.filter(wave=wave).order_by("pk")[1:3]
    Registration.objects.filter(pk__in=[first.pk, second.pk]).update(registered_at=first.registered_at)
    _response, body = _download(client, reporter, wave)
    niks = [row[1][-4:] for row in _rows(body)[1:]]
    assert niks == ["0001", "0002", "0003", "0004", "0005", "0006"]


def test_it_leaves_selected_and_rank_empty_before_the_selection(client, reporter, unselected_wave):
    _response, body = _download(client, reporter, unselected_wave)
    rows = _rows(body)[1:]
    assert {row[8] for row in rows} == {""}
    assert {row[9] for row in rows} == {""}


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "eligible"}, ["0001", "0004", "0005"]),
    ({"status": "ineligible"}, ["0002", "0003", "0006"]),
    ({"reason": "bansos"}, ["0002"]),
    ({"reason": "kk_limit"}, ["0003"]),
    ({"reason": "tni"}, []),
    ({"status": "ineligible", "reason": "prior_awardee"}, ["0006"]),
])
def test_it_filters_by_status_or_reason(client, reporter, wave, params, expected):
    response, body = _download(client, reporter, wave, **params)
    rows = _rows(body)
    assert rows[0] == RESULT_COLUMNS
    assert [row[1][-4:] for row in rows[1:]] == expected
    assert "-".join(params.values()) in response["Content-Disposition"]


@pytest.mark.parametrize("params", [{"status": "maybe"}, {"reason": "asn;tni"}, {"reason": "ASN"}])
def test_it_refuses_an_unknown_filter(client, reporter, wave, params):
    client.force_login(reporter)
    response = client.get(reverse("reports:results_csv", kwargs={"number": wave.number}), params)
    assert response.status_code == 400
    assert "tidak dikenal" in response.content.decode()  # Indonesian first
    english = client.get(reverse("reports:results_csv", kwargs={"number": wave.number}), params,
                         HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and "Unknown" in english.content.decode()


def test_it_refuses_in_the_admin_s_own_layout(client, reporter, wave):
    # admin.site.each_context, as on every other report page: the site's title and header, the user's links.
    client.force_login(reporter)
    response = client.get(reverse("reports:results_csv", kwargs={"number": wave.number}), {"status": "maybe"},
                          HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 400
    assert "| Kartu Prakerja PMO</title>" in page and "Kartu Prakerja: PMO administration" in page
    assert 'id="user-tools"' in page and 'id="logout-form"' in page
    assert "Django site admin" not in page and "Django administration" not in page


def test_it_gives_whole_numbers_only_to_the_permission_holder_who_asks(client, full_reporter, wave):
    _response, body = _download(client, full_reporter, wave, full="1")
    first = _rows(body)[1]
    assert first[1:4] == ["'3202014112900001", "'3201010101200001", "Siti Aminah"]
    # Without asking, even a holder gets the masked file.
    _response, body = _download(client, full_reporter, wave)
    assert _rows(body)[1][1:4] == ["'3202********0001", "'3201********0001", "S**** A****"]


def test_it_refuses_whole_numbers_without_the_permission(client, reporter, wave):
    client.force_login(reporter)
    response = client.get(reverse("reports:results_csv", kwargs={"number": wave.number}), {"full": "1"})
    assert response.status_code == 403


def test_it_streams_the_summary_csv(client, reporter, wave):
    response, body = _download(client, reporter, wave, name="reports:summary_csv")
    rows = _rows(body)
    assert rows[0] == ["section", "code", "label", "value"]
    assert ["totals", "registrations", "Registrations", "6"] in rows
    assert ["province", "11", "Aceh", "1"] in rows
    assert response["Content-Disposition"] == 'attachment; filename="gelombang-21-summary.csv"'


def test_it_writes_one_block_per_chunk(wave):
    from prakerja.lib.csvfile import csv_blocks
    from reports.services import result_columns, result_rows

    counter = [0]
    blocks = list(csv_blocks(result_columns(), result_rows(wave=wave), counter=counter, chunk_rows=2))
    assert len(blocks) == 4  # the header, then one block per chunk: the file is never held whole
    assert counter == [6]
