"""Nothing goes live without the figures: a load with many bad rows, or much smaller than the list in force,
waits for a staff member's confirmation, with its table kept, and the list in force stays meanwhile."""
from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from eligibility.lists.services import (
    ListDecisionError, confirm_exclusion_list, discard_exclusion_list, is_nik_on_list, load_exclusion_list,
    requeue_stale_loads,
)
from eligibility.lists.tables import release_unused_list_tables
from eligibility.models.lists import ExclusionList, ListCategory
from prakerja.checks import range_problems
from tests.eligibility.lists.conftest import NIK_A, NIK_B, NIK_C, NIK_D, list_tables, on_table, valid_niks

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.timezone.utc)
# The bansos file: 8 rows, 5 of them bad (one written by Excel as 3,37401E+15).
BANSOS = (
    "\ufeffnik;nama\r\n"
    f"{NIK_B};Budi\r\n{NIK_C};Citra\r\n{NIK_D};Dewi\r\n"
    "3,37401E+15;Eko\r\n;Fitri\r\n9901014112900006;Gita\r\n320101411290;Hadi\r\nabc;Indra\r\n"
)


@pytest.fixture
def bansos_in_force(write_csv) -> ExclusionList:
    return load_exclusion_list(category=ListCategory.BANSOS, path_or_file=write_csv(f"nik\n{NIK_A}\n"),
                               file_name="bansos-2025.csv", by=None)


def _load(write_csv, content, category=ListCategory.BANSOS) -> ExclusionList:
    return load_exclusion_list(category=category, path_or_file=write_csv(content), file_name="bansos-2026.csv",
                               by=None)


def _assert_held_and_in_force_unchanged(held: ExclusionList, in_force: ExclusionList) -> None:
    assert held.status == ExclusionList.Status.NEEDS_CONFIRMATION
    assert held.table_name and held.table_name in list_tables() and held.activated_at is None
    assert ExclusionList.objects.active().get() == in_force
    assert is_nik_on_list(nik=NIK_A, category=ListCategory.BANSOS) == [in_force]
    assert is_nik_on_list(nik=NIK_B, category=ListCategory.BANSOS) == []


def test_the_five_of_eight_bad_file_waits_and_the_list_in_force_stays(write_csv, bansos_in_force):
    held = _load(write_csv, BANSOS)

    _assert_held_and_in_force_unchanged(held, bansos_in_force)
    assert (held.line_count, held.row_count, held.bad_row_count, held.previous_row_count) == (8, 3, 5, 1)
    assert on_table(held.table_name, NIK_B)  # filled and indexed, ready to be swapped in


def test_it_waits_as_a_first_list_too(write_csv):
    held = _load(write_csv, BANSOS)
    assert (held.status, held.previous_row_count) == ("needs_confirmation", None)
    assert not ExclusionList.objects.active().exists()


@pytest.mark.parametrize(("bad", "waits"), [(1, False), (2, True)])
def test_the_bad_row_threshold_is_one_percent_by_default(write_csv, bansos_in_force, bad, waits):
    content = "nik\n" + "\n".join(valid_niks(100 - bad) + ["12"] * bad) + "\n"
    version = _load(write_csv, content)
    assert version.status == ("needs_confirmation" if waits else "active")


@pytest.mark.parametrize(("rows", "waits"), [(9, False), (8, True)])
def test_a_list_ten_percent_smaller_goes_live_and_a_smaller_one_waits(write_csv, rows, waits):
    _load(write_csv, "nik\n" + "\n".join(valid_niks(10)) + "\n")
    version = _load(write_csv, "nik\n" + "\n".join(valid_niks(rows)) + "\n")
    assert (version.status, version.bad_row_count) == ("needs_confirmation" if waits else "active", 0)
    if waits:
        assert version.previous_row_count == 10
        assert ExclusionList.objects.active().get().row_count == 10


def test_the_thresholds_are_settings(write_csv, bansos_in_force, settings):
    settings.EXCLUSION_LIST_MAX_BAD_SHARE = 0.7
    assert _load(write_csv, BANSOS).status == "active"  # 5 of 8 is 62.5%
    settings.EXCLUSION_LIST_MAX_SHRINK = 0.5
    assert _load(write_csv, f"nik\n{NIK_A}\n").status == "needs_confirmation"  # 1 row after 3: 67% smaller


def test_the_thresholds_are_checked_at_start_up():
    def problems(**values):
        found = range_problems(values=values, rates={})
        return [p.msg for p in found if p.msg.startswith(("EXCLUSION_LIST_MAX_BAD_SHARE", "EXCLUSION_LIST_MAX_SHRINK"))]

    assert problems(EXCLUSION_LIST_MAX_BAD_SHARE=0.01, EXCLUSION_LIST_MAX_SHRINK=0.1) == []
    assert problems(EXCLUSION_LIST_MAX_BAD_SHARE=1.5, EXCLUSION_LIST_MAX_SHRINK=-0.1) == [
        "EXCLUSION_LIST_MAX_BAD_SHARE=1.5 is out of range: it must be 0 to 1.",
        "EXCLUSION_LIST_MAX_SHRINK=-0.1 is out of range: it must be 0 to 1.",
    ]


def test_a_held_version_keeps_its_table_through_the_sweeps(write_csv, bansos_in_force):
    held = _load(write_csv, BANSOS)
    release_unused_list_tables()
    with time_machine.travel(NOW + dt.timedelta(days=1)):
        assert requeue_stale_loads() == ([], [])
    held.refresh_from_db()
    assert held.status == "needs_confirmation" and held.table_name in list_tables()


def test_confirming_swaps_it_in_recorded_with_the_staff_member(write_csv, bansos_in_force, staff_client, staff):
    held = _load(write_csv, BANSOS)
    page = staff_client.get(reverse("admin:eligibility_exclusionlist_change", args=[held.pk])).content.decode()
    assert "This load waits for confirmation: the list in force did not change" in page
    assert "Confirm: make it the list in force" in page and "Discard this load" in page
    assert "<th scope=\"row\">Rows in the list in force</th>\n            <td>1 (" in page
    assert "<th scope=\"row\">Rows in this load</th><td>3</td>" in page
    assert "<td>5 (62.5%)</td>" in page

    with time_machine.travel(NOW, tick=False):
        response = staff_client.post(reverse("admin:eligibility_exclusionlist_decide", args=[held.pk]),
                                     {"decision": "confirm"})

    assert response.status_code == 302
    held.refresh_from_db()
    bansos_in_force.refresh_from_db()
    assert (held.status, held.decided_by, held.decided_at, held.activated_at) == ("active", staff, NOW, NOW)
    assert bansos_in_force.status == "replaced" and bansos_in_force.table_name == ""  # released
    assert is_nik_on_list(nik=NIK_B, category=ListCategory.BANSOS) == [held]
    assert list_tables() == {held.table_name}


def test_discarding_drops_its_table_and_keeps_the_list_in_force(write_csv, bansos_in_force, staff_client, staff):
    held = _load(write_csv, BANSOS)
    table = held.table_name

    with time_machine.travel(NOW, tick=False):
        staff_client.post(reverse("admin:eligibility_exclusionlist_decide", args=[held.pk]), {"decision": "discard"})

    held.refresh_from_db()
    assert (held.status, held.decided_by, held.decided_at, held.table_name) == ("discarded", staff, NOW, "")
    assert table not in list_tables()
    assert held.bad_rows.count() == 5  # its report stays
    assert ExclusionList.objects.active().get() == bansos_in_force
    page = staff_client.get(reverse("admin:eligibility_exclusionlist_change", args=[held.pk])).content.decode()
    assert "Discarded by pmo@prakerja.go.id" in page and "Confirm: make it" not in page


def test_a_decision_is_taken_once(write_csv, bansos_in_force, staff):
    held = _load(write_csv, BANSOS)
    discard_exclusion_list(version_id=held.pk, by=staff)
    with pytest.raises(ListDecisionError, match="is not waiting for confirmation \\(its status: Discarded\\)"):
        confirm_exclusion_list(version_id=held.pk, by=staff)
    assert ExclusionList.objects.active().get() == bansos_in_force


def test_staff_without_the_upload_permission_cannot_decide(write_csv, bansos_in_force, client, viewer):
    held = _load(write_csv, BANSOS)
    client.force_login(viewer)
    response = client.post(reverse("admin:eligibility_exclusionlist_decide", args=[held.pk]), {"decision": "confirm"})
    assert response.status_code == 403
    held.refresh_from_db()
    assert held.status == "needs_confirmation"


def test_the_command_holds_it_and_says_how_to_decide(write_csv, bansos_in_force):
    out = StringIO()
    call_command("import_exclusions", "bansos", str(write_csv(BANSOS)), "--yes", stdout=out)

    held = ExclusionList.objects.get(status="needs_confirmation")
    text = out.getvalue()
    assert "menunggu konfirmasi: daftar yang berlaku tidak berubah. / " in text
    assert f"manage.py confirm_exclusions {held.pk} --by EMAIL --discard" in text
    assert "now active" not in text
    assert "NIK is not 16 digits" in text and "3,37***E+15" in text
    assert ExclusionList.objects.active().get() == bansos_in_force


def test_the_command_confirms_with_confirm_and_by(write_csv, bansos_in_force, staff):
    out = StringIO()
    call_command("import_exclusions", "bansos", str(write_csv(BANSOS)), "--confirm", "--by", staff.email, "--yes", stdout=out)
    version = ExclusionList.objects.active().get()
    assert (version.row_count, version.decided_by) == (3, staff)
    assert "Confirmed:" in out.getvalue()


def test_the_command_needs_by_to_confirm(write_csv, bansos_in_force):
    with pytest.raises(CommandError, match="--confirm needs --by EMAIL"):
        call_command("import_exclusions", "bansos", str(write_csv(BANSOS)), "--confirm")
    assert list(ExclusionList.objects.all()) == [bansos_in_force]


@pytest.mark.parametrize(("discard", "status"), [(False, "active"), (True, "discarded")])
def test_confirm_exclusions_decides_later(write_csv, bansos_in_force, staff, discard, status):
    held = _load(write_csv, BANSOS)
    out = StringIO()
    call_command("confirm_exclusions", str(held.pk), "--by", staff.email, *(["--discard"] if discard else []),
                 stdout=out)
    held.refresh_from_db()
    assert (held.status, held.decided_by) == (status, staff)
    assert "bad rows" in out.getvalue()
    with pytest.raises(CommandError, match="tidak sedang menunggu konfirmasi"):
        call_command("confirm_exclusions", str(held.pk), "--by", staff.email, stdout=StringIO())
