"""Staff sign in with a password and a second factor: enrolment on first login, then a code each session, with
single-use recovery codes. Nothing staff-only opens on a password alone."""
import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from registration.management.commands.load_demo import STAFF_PASSWORD
from staff.second_factor import current_code
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _password_only(client, user) -> None:
    response = client.post(reverse("admin:login"), {"username": user.email, "password": PASSWORD,
                                                    "next": "/admin/"})
    assert response.status_code == 302


def _enrol(client, user) -> list[str]:
    page = client.get(reverse("staff:enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"] in page.content.decode()
    assert page.context["otpauth_uri"].startswith("otpauth://totp/")
    assert '<div id="otp-qr"><svg' in page.content.decode()  # a QR code to scan from the screen
    response = client.post(reverse("staff:enrol"), {"code": current_code(device), "next": "/admin/"})
    assert response.status_code == 200
    return response.context["codes"]


@pytest.mark.parametrize("url", ["/admin/", "/admin/registration/applicant/", "/admin/registration/wave/",
                                 "/laporan/", "/admin/complaints/complaint/", "/profil/"])
def test_it_sends_staff_without_an_authenticator_to_enrol_from_every_page(client, staff, url):
    _password_only(client, staff)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:enrol") + "?next=")


def test_it_enrols_on_first_login_and_shows_recovery_codes_once(client, staff):
    with time_machine.travel(START, tick=False) as clock:
        _password_only(client, staff)
        wrong = client.post(reverse("staff:enrol"), {"code": "000000"})
        assert wrong.status_code == 200 and wrong.context["form"].errors
        assert not TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
        clock.shift(dt.timedelta(seconds=5))  # past django-otp's delay after a failure
        codes = _enrol(client, staff)
        assert len(codes) == 10 and len(set(codes)) == 10
        assert client.get("/admin/").status_code == 200
        # Enrolled: the page does not show the secret or codes again.
        assert client.get(reverse("staff:enrol"))["Location"].startswith(reverse("staff:verify"))


def _enrolled_then_signed_out(client, user) -> list[str]:
    """The user enrolled at START and signed out: their recovery codes."""
    with time_machine.travel(START, tick=False):
        _password_only(client, user)
        codes = _enrol(client, user)
    client.logout()
    return codes


def test_it_asks_for_a_code_at_every_new_sign_in(client, staff):
    _enrolled_then_signed_out(client, staff)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        _password_only(client, staff)
        assert client.get("/admin/")["Location"].startswith(reverse("staff:verify") + "?next=")
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        assert client.post(reverse("staff:verify"), {"code": "123456"}).status_code == 200
        assert client.get("/admin/").status_code == 302
    with time_machine.travel(START + dt.timedelta(minutes=6), tick=False):
        device = TOTPDevice.objects.get(user=staff)
        response = client.post(reverse("staff:verify"), {"code": current_code(device), "next": "/admin/"})
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200


def test_a_recovery_code_works_once(client, staff):
    code = _enrolled_then_signed_out(client, staff)[0]
    for attempt, expected in ((1, 302), (2, 200)):
        client.logout()
        with time_machine.travel(START + dt.timedelta(minutes=10 * attempt), tick=False):
            _password_only(client, staff)
            response = client.post(reverse("staff:verify"), {"code": code, "next": "/admin/"})
            assert response.status_code == expected
            assert client.get("/admin/").status_code == (200 if expected == 302 else 302)


def test_it_never_redirects_elsewhere_after_the_code(client, staff):
    _enrolled_then_signed_out(client, staff)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        _password_only(client, staff)
        device = TOTPDevice.objects.get(user=staff)
        response = client.post(reverse("staff:verify"), {"code": current_code(device),
                                                         "next": "https://prakerja-palsu.example/"})
        assert response["Location"] == "/admin/"


def test_it_leaves_applicants_alone(client, applicant):
    client.force_login(applicant.user)
    assert client.get(reverse("registration:dashboard")).status_code == 200


def test_the_demo_command_prints_a_code_the_demo_account_can_use(client, settings, capsys):
    settings.DEBUG = True
    with time_machine.travel(START, tick=False):
        call_command("load_demo")
        out = capsys.readouterr().out
        assert "manage.py demo_otp" in out
        call_command("demo_otp")
        code = capsys.readouterr().out.strip()
        assert code.isdigit() and len(code) == 6
        client.post(reverse("admin:login"), {"username": "staf@prakerja.local", "password": STAFF_PASSWORD,
                                             "next": "/admin/"})
        assert client.post(reverse("staff:verify"), {"code": code, "next": "/admin/"})["Location"] == "/admin/"
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_otp")


def test_after_a_wrong_code_it_says_how_long_to_wait_not_that_the_right_code_is_wrong(client, staff):
    _enrolled_then_signed_out(client, staff)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        _password_only(client, staff)
        wrong = client.post(reverse("staff:verify"), {"code": "000000", "next": "/admin/"})
        assert "tidak berlaku" in str(wrong.context["form"].errors)  # "not valid", in Indonesian
        device = TOTPDevice.objects.get(user=staff)
        right_too_soon = client.post(reverse("staff:verify"), {"code": current_code(device), "next": "/admin/"})
        assert "Terlalu banyak kode salah: tunggu" in str(right_too_soon.context["form"].errors)  # how long to wait
        assert not client.session.get("otp_device_id")
