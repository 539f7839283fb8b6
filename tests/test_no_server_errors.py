"""Odd input on every public and staff URL gets a clear 4xx (or the page), never a 500."""
import pytest

pytestmark = pytest.mark.django_db

HUGE = "9" * 30  # beyond bigint: must not reach the database as an out-of-range integer

PUBLIC = [
    f"/gelombang/{HUGE}/",
    "/gelombang/0/",
    f"/gelombang/{HUGE}/gabung/",
    "/verifikasi/%00%ff'--/",
    "/verifikasi/" + "x" * 5000 + "/",
    "/atur-sandi/%00/zzz/",
    "/pengaduan/status/?reference=%00&email=%ff",
    f"/pengaduan/bukti/{HUGE}/",
    f"/laporan/gelombang/{HUGE}/",
    f"/laporan/gelombang/{HUGE}/hasil.csv",
]


@pytest.mark.parametrize("path", PUBLIC)
def test_it_answers_odd_urls_without_a_server_error(client, path):
    assert client.get(path).status_code < 500


@pytest.mark.parametrize("path", [p for p in PUBLIC if p.startswith(("/laporan", "/pengaduan/bukti"))] + [
    f"/admin/registration/applicant/?q={HUGE}",
    f"/admin/registration/registration/?q={HUGE}",
    "/admin/registration/applicant/?q=%00",
])
def test_it_answers_odd_staff_urls_without_a_server_error(client, staff, path):
    client.force_login(staff)
    assert client.get(path).status_code < 500


@pytest.mark.parametrize("data", [
    {"nik": "3201\x00", "kk": "", "full_name": "x" * 10_000, "birth_date": "31-02-1990", "phone": "+62" + "9" * 40},
    {"nik": HUGE, "kk": HUGE, "full_name": "", "birth_date": "9999-99-99", "phone": "abc"},
])
def test_it_refuses_odd_profile_input_with_a_form_not_an_error(client, applicant, data):
    client.force_login(applicant.user)
    response = client.post("/profil/", data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
