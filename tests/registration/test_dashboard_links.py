"""Where the dashboard and the profile send an applicant who thinks a result is wrong: pages that accept them."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import NikMisuseReport
from eligibility.models.screening import ScreeningResult
from registration.models import Registration, User, Wave
from tests.conftest import PASSWORD


@pytest.fixture
def ineligible(db, applicant) -> Registration:
    now = timezone.now()
    wave = Wave.objects.create(number=30, quota=10, opens_at=now - timezone.timedelta(days=9),
                               closes_at=now - timezone.timedelta(days=6), status=Wave.Status.SCREENED)
    registration = Registration.objects.create(wave=wave, applicant=applicant, registered_at=wave.opens_at,
                                               nik_digest="00000000-0000-0000-0000-000000000001",
                                               kk_digest="00000000-0000-0000-0000-000000000002")
    ScreeningResult.objects.create(registration=registration, wave=wave, status="ineligible",
                                   reasons="asn;prior_awardee")
    return registration


def _link(html: str, css_class: str) -> str:
    return re.search(rf'<a class="{css_class}" href="([^"]+)"', html).group(1)


def test_it_links_an_ineligible_outcome_to_a_page_that_explains_and_accepts_the_report(client, ineligible,
                                                                                         other_applicant):
    client.force_login(ineligible.applicant.user)
    dashboard = client.get(reverse("registration:dashboard")).content.decode()
    assert reverse("complaints:new") not in re.search(r'data-status="ineligible".*?</li>', dashboard, re.S).group(0)

    explanation = client.get(_link(dashboard, "result-wrong"))
    html = explanation.content.decode()
    assert explanation.status_code == 200
    assert 'data-reason="asn"' in html and "BKN" in html and 'data-reason="prior_awardee"' in html

    form_url = re.search(r'id="nik-misuse-link" href="([^"]+)"', html).group(1)
    assert client.get(form_url).status_code == 200
    response = client.post(form_url, {"nik": other_applicant.nik, "statement": "NIK saya dipakai akun lain.",
                                      "declaration": "on"})
    assert response.status_code == 302
    assert NikMisuseReport.objects.filter(reporter=ineligible.applicant.user, nik=other_applicant.nik).exists()


def test_it_shows_the_explanation_only_for_the_applicants_own_ineligible_registration(client, ineligible,
                                                                                        other_applicant):
    url = reverse("complaints:result_wrong", args=[ineligible.wave.number])
    client.force_login(other_applicant.user)
    assert client.get(url).status_code == 404
    ScreeningResult.objects.filter(registration=ineligible).update(status="eligible", reasons="")
    client.force_login(ineligible.applicant.user)
    assert client.get(url).status_code == 404


def test_it_links_a_taken_nik_on_the_profile_to_the_misuse_report(client, applicant):
    user = User.objects.create_user(email="korban@example.com", password=PASSWORD, email_verified_at=timezone.now())
    client.force_login(user)
    response = client.post(reverse("registration:profile"), {
        "nik": applicant.nik, "kk": "3201010101200009", "full_name": "Korban", "birth_date": "1990-12-01",
        "phone": "0812 1111 2222", "not_in_formal_education": "on",
    })
    html = response.content.decode()
    assert response.context["form"].has_error("nik", "nik_taken")
    assert f'id="nik-taken-report"><a href="{reverse("complaints:nik_misuse")}"' in html


def test_the_locked_profile_sends_the_applicant_to_a_form_that_accepts_a_report_without_an_address(client, ineligible):
    client.force_login(ineligible.applicant.user)
    html = client.get(reverse("registration:profile")).content.decode()
    notice = re.search(r'id="profile-locked".*?</p>', html, re.S).group(0)
    assert f'href="{reverse("complaints:new")}"' not in notice  # the fake-site form refuses a report with no web address
    link = re.search(r'href="([^"]+)"', notice).group(1)
    assert link == reverse("complaints:nik_misuse")
    assert client.get(link).status_code == 200
