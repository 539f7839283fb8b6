"""Staff look up "is this NIK on list X" in the admin; the NIK is shown masked and never logged."""
from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from eligibility.lists.services import load_exclusion_list
from eligibility.models.lists import ListCategory
from tests.eligibility.lists.conftest import NIK_A, NIK_B, NIK_C

pytestmark = pytest.mark.django_db

LOOKUP = reverse("admin:eligibility_exclusionlist_lookup")


@pytest.fixture
def lists(write_csv):
    load_exclusion_list(category=ListCategory.ASN, path_or_file=write_csv(f"nik\n{NIK_A}\n"), file_name="asn.csv",
                        by=None)
    load_exclusion_list(category=ListCategory.BANSOS, path_or_file=write_csv(f"nik\n{NIK_A}\n{NIK_B}\n"),
                        file_name="bansos.csv", by=None)


def test_it_says_which_lists_hold_the_nik(staff_client, lists, caplog):
    with caplog.at_level(logging.DEBUG):
        response = staff_client.post(LOOKUP, {"nik": f"{NIK_A[:4]} {NIK_A[4:]}", "category": ""})
    page = response.content.decode()
    assert "NIK 3201********0001 is on:" in page
    assert "Civil servants (ASN)" in page and "bansos.csv" in page
    assert NIK_A not in page and f"{NIK_A[:4]} {NIK_A[4:]}" not in page
    assert NIK_A not in caplog.text


def test_it_checks_one_list(staff_client, lists):
    page = staff_client.post(LOOKUP, {"nik": NIK_B, "category": ListCategory.ASN}).content.decode()
    assert "is on none of the lists checked" in page


def test_it_answers_for_a_nik_on_no_list(staff_client, lists):
    page = staff_client.post(LOOKUP, {"nik": NIK_C, "category": ""}).content.decode()
    assert "NIK 7371********0003 is on none of the lists checked." in page


@pytest.mark.parametrize(("nik", "message"), [
    ("12345", "A NIK has exactly 16 digits"),
    ("0001014112900001", "not a valid province code"),
    ("3200014112900001", "regency and district codes"),
    ("3201013102900001", "not a possible birth date"),
    ("3201014112900000", "cannot be 0000"),
])
def test_it_refuses_an_invalid_nik(staff_client, lists, nik, message):
    page = staff_client.post(LOOKUP, {"nik": nik, "category": ""}).content.decode()
    assert message in page and "lookup-result" not in page


def test_it_is_for_staff_with_the_lookup_permission_only(client, applicant, viewer, lists):
    client.force_login(applicant.user)
    assert client.post(LOOKUP, {"nik": NIK_A}).status_code == 302
    client.force_login(viewer)
    assert client.post(LOOKUP, {"nik": NIK_A}).status_code == 403
    viewer.user_permissions.add(Permission.objects.get(codename="lookup_nik"))
    page = client.post(LOOKUP, {"nik": NIK_A, "category": ""}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "is on:" in page
