"""Report pages and downloads need their own permissions, not just is_staff."""
from __future__ import annotations

import pytest
from django.urls import reverse

from reports.models import AuditEntry

PAGES = ["reports:index", "reports:wave", "reports:results_csv", "reports:summary_csv", "reports:clusters_csv"]
DOWNLOADS = PAGES[2:]


def _url(name: str, wave) -> str:
    return reverse(name) if name == "reports:index" else reverse(name, kwargs={"number": wave.number})


@pytest.mark.parametrize("name", PAGES)
def test_it_sends_anonymous_visitors_to_the_staff_login(client, wave, name):
    response = client.get(_url(name, wave))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login") + "?next=")


@pytest.mark.parametrize("name", PAGES)
def test_it_refuses_staff_without_the_report_permission(client, viewer, wave, name):
    client.force_login(viewer)
    assert client.get(_url(name, wave)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_it_refuses_an_applicant(client, applicant, wave, name):
    client.force_login(applicant.user)
    assert client.get(_url(name, wave)).status_code == 403


@pytest.mark.parametrize("name", DOWNLOADS)
def test_it_refuses_downloads_to_a_page_reader(client, page_reader, wave, name):
    client.force_login(page_reader)
    assert client.get(_url("reports:wave", wave)).status_code == 200
    assert client.get(_url(name, wave)).status_code == 403


def test_it_refuses_a_permission_holder_who_is_not_staff(client, reporter, wave):
    reporter.is_staff = False
    reporter.save(update_fields=["is_staff"])
    client.force_login(reporter)
    assert client.get(_url("reports:wave", wave)).status_code == 403


def test_refusals_leave_no_audit_entry(client, viewer, wave):
    client.force_login(viewer)
    for name in PAGES:
        client.get(_url(name, wave))
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("name", PAGES[1:])
def test_it_answers_404_for_an_unknown_wave(client, reporter, wave, name):
    client.force_login(reporter)
    assert client.get(reverse(name, kwargs={"number": 999})).status_code == 404


def test_it_lets_the_superuser_in(client, staff, wave):
    client.force_login(staff)
    assert client.get(_url("reports:wave", wave)).status_code == 200
