"""Searches for people by NIK, phone or e-mail are posted (never in a URL), rationed per staff member and audited
(never the value); list pages of people are rationed and audited; the changelists have no search box."""
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from registration.models import User
from staff.models import PersonalDataSearch
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOOKUP = reverse("admin:staff_lookup")
NIK = "3201014112900001"  # the `applicant` persona's


@pytest.fixture
def helpdesk(db) -> User:
    user = User.objects.create_user(email="helpdesk@prakerja.go.id", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Helpdesk"))
    return user


def _audit_values() -> str:
    return repr(list(PersonalDataSearch.objects.values()))


@pytest.mark.parametrize(("kind", "value"), [("nik", "3201 0141 1290 0001"), ("nik", NIK),
                                             ("phone", "0812-3456-7890"), ("email", "SITI@example.com")])
def test_it_finds_the_applicant_by_a_posted_value_and_records_the_search(client, helpdesk, applicant, kind, value):
    client.force_login(helpdesk)
    assert client.get(LOOKUP).status_code == 200
    response = client.post(LOOKUP, {"kind": kind, "value": value})
    page = response.content.decode()
    assert response.status_code == 200 and applicant.full_name in page
    assert NIK not in page and applicant.masked_nik in page  # the helpdesk sees the NIK masked
    entry = PersonalDataSearch.objects.get()
    assert (entry.user, entry.kind, entry.target, entry.result_count) == (helpdesk, kind, "applicants", 1)
    assert value not in _audit_values() and NIK not in _audit_values()


def test_it_shows_the_whole_nik_to_staff_who_may_see_it(client, staff, applicant):
    client.force_login(staff)
    assert NIK in client.post(LOOKUP, {"kind": "nik", "value": NIK}).content.decode()


def test_it_refuses_a_value_of_the_wrong_kind_without_searching(client, helpdesk, applicant):
    client.force_login(helpdesk)
    response = client.post(LOOKUP, {"kind": "nik", "value": "3201"})  # no prefix search
    assert response.status_code == 200 and response.context["form"].errors and response.context["found"] is None
    assert not PersonalDataSearch.objects.exists()


def test_it_rations_searches_per_staff_member(client, helpdesk, applicant, settings):
    settings.STAFF_SEARCH_RATE_LIMIT = "3/h"
    client.force_login(helpdesk)
    for digit in "123":
        assert client.post(LOOKUP, {"kind": "nik", "value": NIK[:-1] + digit}).status_code == 200
    refused = client.post(LOOKUP, {"kind": "nik", "value": NIK})
    assert refused.status_code == 429 and applicant.full_name not in refused.content.decode()
    assert PersonalDataSearch.objects.count() == 3


def test_it_refuses_the_look_up_to_roles_without_it(client, viewer):
    client.force_login(viewer)
    assert client.post(LOOKUP, {"kind": "nik", "value": NIK}).status_code == 403


@pytest.mark.parametrize("name", ["admin:registration_applicant_changelist", "admin:registration_registration_changelist",
                                  "admin:registration_user_changelist"])
def test_the_lists_of_people_have_no_search_box_and_ignore_a_search_in_the_url(client, helpdesk, applicant,
                                                                               other_applicant, name):
    client.force_login(helpdesk)
    response = client.get(reverse(name), {"q": NIK})
    assert response.status_code == 200
    assert 'id="searchbar"' not in response.content.decode()
    changelist = response.context["cl"]
    assert not changelist.search_fields and changelist.result_count == changelist.full_result_count


def test_it_records_and_rations_every_opening_of_a_list_of_people(client, helpdesk, applicant, other_applicant,
                                                                  settings):
    settings.STAFF_LIST_RATE_LIMIT = "2/h"
    client.force_login(helpdesk)
    url = reverse("admin:registration_applicant_changelist")
    assert client.get(url).status_code == 200
    entry = PersonalDataSearch.objects.get()
    assert (entry.kind, entry.target, entry.result_count) == ("list", "applicants", 2)
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429
    assert PersonalDataSearch.objects.count() == 2


def test_the_exclusion_list_look_up_is_rationed_and_recorded(client, staff, settings):
    settings.STAFF_SEARCH_RATE_LIMIT = "1/h"
    client.force_login(staff)
    url = reverse("admin:eligibility_exclusionlist_lookup")
    assert client.post(url, {"nik": NIK, "category": ""}).context["result"]["found"] == []
    entry = PersonalDataSearch.objects.get()
    assert (entry.kind, entry.target, entry.result_count) == ("nik", "exclusion lists", 0)
    refused = client.post(url, {"nik": NIK, "category": ""})
    assert refused.context["result"] is None and refused.context["form"].non_field_errors()
    assert PersonalDataSearch.objects.count() == 1
