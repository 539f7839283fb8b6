"""NIK misuse: an applicant reports that another account registered their NIK; staff see it beside that account,
suspend its registrations pending review (honoured by the lottery) and lift the suspension, all recorded."""
from __future__ import annotations

import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, NikMisuseReport, ReportedTarget, Suspension
from complaints.services import ComplaintError, file_nik_misuse_report, lift_suspension, suspend_registrations
from eligibility.models.screening import ScreeningResult
from eligibility.waves import select_awardees
from registration.models import User
from tests.conftest import PASSWORD
from tests.eligibility.screening.conftest import make_wave, new_person, register, screen

from .helpers import image_bytes, upload

URL = reverse("complaints:nik_misuse")


@pytest.fixture
def victim(db) -> User:
    """A verified account whose profile was refused: its NIK is already other_applicant's."""
    return User.objects.create_user(email="korban@example.com", password=PASSWORD, email_verified_at=timezone.now())


def misuse_data(nik: str, **overrides) -> dict:
    data = {"nik": nik, "statement": "Saya tidak pernah membuat akun itu; NIK saya dipakai orang lain.",
            "declaration": "on"}
    data.update(overrides)
    return data


def _report(victim, holder) -> NikMisuseReport:
    return file_nik_misuse_report(reporter=victim, nik=holder.nik, statement="Bukan akun saya.")


def test_it_files_a_report_from_the_signed_in_applicant(client, victim, other_applicant, caplog):
    client.force_login(victim)
    spaced = f"{other_applicant.nik[:4]} {other_applicant.nik[4:8]}.{other_applicant.nik[8:]}"
    with caplog.at_level(logging.DEBUG):
        response = client.post(URL, {**misuse_data(spaced), "evidence": [upload("ktp.png", image_bytes())]})

    assert response.status_code == 302 and response.url == reverse("complaints:nik_misuse_sent")
    report = NikMisuseReport.objects.get()
    assert (report.reporter, report.nik) == (victim, other_applicant.nik)
    assert [f.content_type for f in report.files.all()] == ["image/png"]
    # Its own kind of report: no web address, no target, never merged into a complaint.
    assert not ReportedTarget.objects.exists() and not Complaint.objects.exists()
    assert other_applicant.nik not in caplog.text
    page = client.get(response.url).content.decode()
    assert other_applicant.masked_nik in page and other_applicant.nik not in page


def test_it_sends_anonymous_visitors_to_the_login_page(client, other_applicant):
    for response in (client.get(URL), client.post(URL, misuse_data(other_applicant.nik))):
        assert response.status_code == 302 and response.url.startswith(reverse("registration:login"))
    assert not NikMisuseReport.objects.exists()


def test_it_refuses_an_unverified_account_with_a_message(client, other_applicant):
    user = User.objects.create_user(email="baru@example.com", password=PASSWORD)
    client.force_login(user)
    response = client.post(URL, misuse_data(other_applicant.nik))
    assert response.status_code == 200 and not NikMisuseReport.objects.exists()
    assert "Verifikasi" in response.content.decode() or "Verify" in response.content.decode()


@pytest.mark.parametrize(("nik", "code"), [
    ("", "required"), ("12345", "format"), ("9901014112900001", "province"), ("3200004112900001", "region"),
    ("3201019913900001", "birth_date"), ("3201014112900000", "serial"),
])
def test_it_refuses_every_kind_of_bad_nik_with_its_message(client, victim, nik, code):
    client.force_login(victim)
    response = client.post(URL, misuse_data(nik))
    assert response.status_code == 200 and not NikMisuseReport.objects.exists()
    assert response.context["form"].errors["nik"]


def test_it_refuses_the_nik_of_the_reporters_own_profile(client, applicant):
    client.force_login(applicant.user)
    response = client.post(URL, misuse_data(applicant.nik))
    assert response.context["form"].has_error("nik", "own_nik") and not NikMisuseReport.objects.exists()


def test_it_keeps_two_reports_of_one_nik_apart(victim, other_applicant):
    second = User.objects.create_user(email="lain@example.com", password=PASSWORD, email_verified_at=timezone.now())
    _report(victim, other_applicant)
    _report(second, other_applicant)
    assert NikMisuseReport.objects.filter(nik=other_applicant.nik).count() == 2
    assert not ReportedTarget.objects.exists()


@pytest.fixture
def nik_viewer(viewer) -> User:
    """Staff who may look at NIK misuse reports and suspensions, without the whole-NIK permission."""
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_nikmisusereport", "view_suspension", "add_suspension", "change_suspension"]))
    return User.objects.get(pk=viewer.pk)


def test_it_masks_the_nik_on_every_staff_page_without_the_permission(client, nik_viewer, staff, victim,
                                                                     other_applicant):
    report = _report(victim, other_applicant)
    suspension = suspend_registrations(report=report, by=staff, reason="Laporan korban")
    pages = [reverse("admin:complaints_nikmisusereport_changelist"),
             reverse("admin:complaints_nikmisusereport_change", args=[report.pk]),
             reverse("admin:complaints_suspension_changelist"),
             reverse("admin:complaints_suspension_change", args=[suspension.pk])]
    client.force_login(nik_viewer)
    for url in pages:
        html = client.get(url).content.decode()
        assert report.masked_nik in html, url
        assert other_applicant.nik not in html, url
    # Filtering by the NIK would answer digit by digit: refused.
    url = reverse("admin:complaints_nikmisusereport_changelist") + f"?nik__startswith={other_applicant.nik[:6]}"
    assert client.get(url).status_code == 400
    client.force_login(staff)  # holds registration.view_full_nik
    html = client.get(pages[1]).content.decode()
    assert other_applicant.nik in html


def test_it_shows_the_account_holding_the_nik(client, staff, victim, other_applicant):
    wave = make_wave(number=40)
    register(other_applicant, wave)
    report = _report(victim, other_applicant)
    client.force_login(staff)
    response = client.get(reverse("admin:complaints_nikmisusereport_change", args=[report.pk]))
    html = response.content.decode()
    assert "b***@example.com" in html and "budi@example.com" not in html
    assert response.context["holder"] == other_applicant
    assert [str(w) for w, _state in response.context["holder_registrations"]] == [str(wave)]


def test_it_records_a_suspension_with_who_when_and_why(client, staff, victim, other_applicant):
    report = _report(victim, other_applicant)
    client.force_login(staff)
    url = reverse("admin:complaints_nikmisusereport_suspend", args=[report.pk])
    client.post(url, {"reason": "  "})
    assert not Suspension.objects.exists()  # the reason is required

    client.post(url, {"reason": "NIK dipakai akun lain, menunggu verifikasi Dukcapil"})
    suspension = Suspension.objects.get()
    assert (suspension.applicant, suspension.report, suspension.suspended_by) == (other_applicant, report, staff)
    assert suspension.reason.startswith("NIK dipakai") and suspension.is_active
    with pytest.raises(ComplaintError):
        suspend_registrations(report=report, by=staff, reason="lagi")
    assert Suspension.objects.count() == 1


def test_it_refuses_a_suspension_when_no_account_holds_the_nik(staff, victim, other_applicant):
    report = _report(victim, other_applicant)
    other_applicant.registrations.all().delete()
    other_applicant.delete()
    with pytest.raises(ComplaintError):
        suspend_registrations(report=report, by=staff, reason="x")
    assert not Suspension.objects.exists()


def test_it_lifts_a_suspension_with_a_reason_and_keeps_the_record(client, staff, victim, other_applicant):
    report = _report(victim, other_applicant)
    suspension = suspend_registrations(report=report, by=staff, reason="Laporan korban")
    client.force_login(staff)
    url = reverse("admin:complaints_nikmisusereport_lift", args=[report.pk])
    client.post(url, {"suspension": suspension.pk, "reason": ""})
    suspension.refresh_from_db()
    assert suspension.is_active

    client.post(url, {"suspension": suspension.pk, "reason": "Dukcapil: NIK memang milik akun ini"})
    suspension.refresh_from_db()
    assert not suspension.is_active and suspension.lifted_by == staff and suspension.lift_reason
    with pytest.raises(ComplaintError):
        lift_suspension(suspension=suspension, by=staff, reason="lagi")
    # Suspended again later: a new row; the first stays as it was.
    suspend_registrations(report=report, by=staff, reason="Laporan kedua")
    assert Suspension.objects.count() == 2 and Suspension.objects.active().count() == 1


@pytest.fixture
def two_eligible(db, staff):
    """A screened wave with a quota of 2 and two eligible registrations, one held by a suspended account."""
    wave = make_wave(number=41, quota=2)
    holder, other = new_person(), new_person()
    registrations = [register(holder, wave), register(other, wave)]
    screen(wave)
    victim = User.objects.create_user(email="korban2@example.com", password=PASSWORD,
                                      email_verified_at=timezone.now())
    suspension = suspend_registrations(report=_report(victim, holder), by=staff, reason="Laporan korban")
    return wave, registrations, suspension


def test_it_leaves_a_suspended_registration_out_of_the_lottery(two_eligible, staff):
    wave, (suspended, other), _suspension = two_eligible
    assert select_awardees(wave=wave, by=staff) == 1
    results = {r.registration_id: (r.rank, r.selected) for r in ScreeningResult.objects.filter(wave_id=wave.pk)}
    assert results == {other.pk: (1, True), suspended.pk: (None, False)}
    assert ScreeningResult.objects.get(registration=suspended).status == "eligible"


def test_it_restores_a_registration_whose_suspension_is_lifted_before_the_selection(two_eligible, staff):
    wave, registrations, suspension = two_eligible
    lift_suspension(suspension=suspension, by=staff, reason="Bukan penyalahgunaan")
    assert select_awardees(wave=wave, by=staff) == 2
    assert set(ScreeningResult.objects.filter(wave_id=wave.pk).values_list("selected", flat=True)) == {True}


def test_it_tells_the_holder_on_the_dashboard_that_the_registration_is_under_review(client, two_eligible):
    wave, (suspended, _other), _suspension = two_eligible
    client.force_login(suspended.applicant.user)
    response = client.get(reverse("registration:dashboard"))
    assert f'data-wave="{wave.number}" data-status="under_review"' in response.content.decode()
