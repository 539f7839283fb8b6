"""Bad rows a person can act on: the reason in the staff member's language, the offending value masked (never a
whole NIK) and its likely cause, grouped by reason on the list's page and in the CSV download."""
from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from eligibility.lists.reasons import bad_rows_by_reason, likely_cause, mask_value
from eligibility.lists.services import load_exclusion_list
from eligibility.models.lists import BadRowReason, ListCategory
from prakerja.lib.identity import mask
from tests.eligibility.lists.conftest import KK_A, NIK_A, NIK_B, NIK_C

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_confirmation")]

CONTENT = (
    "nik,nama,kk\n"
    f"{NIK_A},Siti,{KK_A}\n"          # 2 good
    "3.20101E+15,Budi,\n"             # 3 scientific notation
    "320101411290000,Citra,\n"        # 4 fifteen digits
    ",Dewi,\n"                        # 5 empty
    "9901014112900001,Eko,\n"         # 6 no province 99
    "Jl. Merdeka 17,Fitri,\n"         # 7 an address in the NIK column
    "3.201.014.112.900.000,Gita,\n"   # 8 thousands separators
    f"{NIK_B},Hadi,3301\n"            # 9 good NIK, short KK: loaded without it
    f"{NIK_C},Indra,\n"               # 10 good
)


@pytest.fixture
def version(write_csv):
    return load_exclusion_list(category=ListCategory.PRIOR_AWARDEE, path_or_file=write_csv(CONTENT),
                               file_name="prakerja-2020.csv", by=None)


@pytest.mark.parametrize("length", range(0, 60))
def test_a_masked_value_shows_at_most_half_of_the_cell_and_never_more_than_eight_characters(length):
    value = "".join(str(i % 10) for i in range(length))
    masked = mask_value(value)
    assert len(masked) == min(length, 40)
    shown = sum(char != "*" for char in masked)
    assert shown <= min(8, length // 2)
    assert shown == 0 if length <= 8 else shown >= 4  # enough of its shape to tell the cause


def test_a_masked_nik_is_masked_as_everywhere_else():
    assert mask_value(f" {NIK_A} ") == mask(NIK_A) == "3201********0001"


def test_each_bad_row_keeps_its_masked_value_and_reason(version):
    assert list(version.bad_rows.order_by("line").values_list("line", "reason", "value")) == [
        (3, "format", "3.20***E+15"),
        (4, "format", "320*********000"),
        (5, "empty", ""),
        (6, "province", "9901********0001"),
        (7, "format", "Jl.******** 17"),
        (8, "format", "3.20*************.000"),
        (9, "kk_format_nik_loaded", "****"),
    ]
    for value in version.bad_rows.values_list("value", flat=True):
        assert NIK_A not in value and "3201014112900000" not in value.replace(".", "")


@pytest.mark.parametrize(("reason", "value", "cause"), [
    (BadRowReason.FORMAT, "3.20***E+15", "scientific notation"),
    (BadRowReason.FORMAT, "3,37***E+15", "scientific notation"),
    (BadRowReason.FORMAT, "320*********000", "15 digits: one digit is missing"),
    (BadRowReason.FORMAT, "3.20*************.000", "Thousands separators"),
    (BadRowReason.FORMAT, "320*******000", "13 digits instead of 16"),
    (BadRowReason.FORMAT, "Jl.******** 17", "Not a number"),
    (BadRowReason.EMPTY, "", "The NIK cell is empty"),
    (BadRowReason.PROVINCE, "9901********0001", "not a province code"),
    (BadRowReason.KK_FORMAT_NIK_LOADED, "****", "4 digits instead of 16"),
    ("birth_date", "3201********0001", ""),  # a reason without a known cause: nothing is guessed
])
def test_it_names_the_likely_cause(reason, value, cause):
    found = str(likely_cause(reason, value))
    assert (cause in found) if cause else found == ""


def test_the_page_groups_the_bad_rows_by_reason_with_examples_and_causes(version, staff_client):
    groups = bad_rows_by_reason(version)
    assert [(group["reason"], group["count"]) for group in groups] == [
        ("format", 4), ("empty", 1), ("kk_format_nik_loaded", 1), ("province", 1)]
    assert [sample["line"] for sample in groups[0]["samples"]] == [3, 4, 7, 8]

    page = staff_client.get(reverse("admin:eligibility_exclusionlist_change", args=[version.pk])).content.decode()
    assert "Bad rows by reason" in page
    assert "<td>NIK is not 16 digits</td><td>4</td>" in page
    assert "3: <code>3.20***E+15</code>" in page and "written it in scientific notation" not in page
    assert "wrote it in scientific notation" in page
    assert NIK_A not in page.replace(mask(NIK_A), "")


def test_the_page_runs_a_fixed_number_of_queries(write_csv, staff_client):
    small = load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(f"nik\n{NIK_A}\n12\n"), file_name="a",
                                by=None)
    many = load_exclusion_list(category=ListCategory.TNI, path_or_file=write_csv(CONTENT.replace("kk", "x")),
                               file_name="b", by=None)
    staff_client.get(reverse("admin:eligibility_exclusionlist_change", args=[small.pk]))  # warm the session
    counts = []
    for version in (small, many):
        with CaptureQueriesContext(connection) as queries:
            staff_client.get(reverse("admin:eligibility_exclusionlist_change", args=[version.pk]))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_download_has_the_reason_in_the_staff_members_language_the_masked_value_and_the_cause(version,
                                                                                                  staff_client):
    url = reverse("admin:eligibility_exclusionlist_bad_rows", args=[version.pk])
    rows = list(csv.reader(io.StringIO(b"".join(staff_client.get(url).streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["line", "reason", "reason", "value (masked)", "likely cause"]
    assert rows[1][:4] == ["3", "format", "NIK is not 16 digits", "3.20***E+15"]
    assert "scientific notation" in rows[1][4]
    assert len(rows) == 1 + 7

    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "id"
    with translation.override("id"):
        rows = list(csv.reader(io.StringIO(b"".join(staff_client.get(url).streaming_content).decode("utf-8-sig"))))
    assert rows[0][2:] == ["alasan", "nilai (disamarkan)", "kemungkinan penyebab"]
    assert "notasi ilmiah" in rows[1][4]
