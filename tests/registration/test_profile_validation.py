"""Each rule of docs/DOMAIN.md's identity numbers: a bad value and its message on the offending field."""
import datetime as dt
import html

import pytest
from django.urls import reverse

from registration.models import Applicant, User

pytestmark = pytest.mark.django_db

# Woman born 15-08-1995 (15 + 40 = 55) in Jakarta Pusat.
GOOD = {
    "nik": "3171015508950003",
    "kk": "3171010101200003",
    "full_name": "Dewi  Lestari ",
    "birth_date": "1995-08-15",
    "phone": "0813 1111 2222",
    "not_in_formal_education": "on",
}


@pytest.fixture
def user_client(client, verified_user):
    client.force_login(verified_user)
    return client


def post_profile(client, **changes):
    data = {**GOOD, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(reverse("registration:profile"), data)


def assert_refused(response, field: str, code: str, message: str):
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error(field, code), form.errors.as_json()
    assert message in html.unescape(response.content.decode())
    assert not Applicant.objects.exists()


def test_it_saves_a_valid_profile_with_tidy_values(user_client, verified_user):
    response = post_profile(user_client, nik="3171 0155.0895 0003")
    assert response.status_code == 302, response.context["form"].errors
    applicant = Applicant.objects.get(user=verified_user)
    assert applicant.nik == "3171015508950003"
    assert applicant.kk == "3171010101200003"
    assert applicant.full_name == "Dewi Lestari"
    assert applicant.birth_date == dt.date(1995, 8, 15)
    assert applicant.phone == "+6281311112222"
    assert applicant.not_in_formal_education is True


@pytest.mark.parametrize("nik", ["317101550895000", "31710155089500031", "3171O15508950003", "",
                                 "٣١٧١٠١٥٥٠٨٩٥٠٠٠٣"])  # Arabic-Indic digits: digits, but not the NIK's
def test_it_refuses_a_nik_that_is_not_16_digits(user_client, nik):
    message = "NIK terdiri dari tepat 16 angka" if nik else "Bidang ini tidak boleh kosong"
    code = "nik_format" if nik else "required"
    assert_refused(post_profile(user_client, nik=nik), "nik", code, message)


@pytest.mark.parametrize("nik", ["9971015508950003", "2071015508950003", "0071015508950003"])
def test_it_refuses_a_nik_with_an_unknown_province(user_client, nik):
    assert_refused(post_profile(user_client, nik=nik), "nik", "nik_province",
                   "Dua angka pertama NIK bukan kode provinsi yang sah")


@pytest.mark.parametrize("nik", [
    "3171013213950003",  # day 32, month 13
    "3171017208950003",  # woman, day 72 - 40 = 32
    "3171013002950003",  # 30 February
    "3171010000950003",  # day 0, month 0
])
def test_it_refuses_a_nik_with_an_impossible_birth_date(user_client, nik):
    assert_refused(post_profile(user_client, nik=nik), "nik", "nik_birth_date",
                   "Angka ke-7 sampai ke-12 NIK bukan tanggal lahir yang mungkin")


def test_it_refuses_serial_0000(user_client):
    assert_refused(post_profile(user_client, nik="3171015508950000"), "nik", "nik_serial",
                   "Empat angka terakhir NIK (nomor urut) tidak boleh 0000")


@pytest.mark.parametrize("birth_date", ["1995-08-16", "1995-08-55", "2095-08-15"])
def test_it_refuses_a_birth_date_that_does_not_match_the_nik(user_client, birth_date):
    response = post_profile(user_client, birth_date=birth_date)
    form = response.context["form"]
    if birth_date == "1995-08-55":  # not a date at all
        assert form.has_error("birth_date", "invalid")
        return
    assert_refused(response, "birth_date", "birth_date_mismatch",
                   "Tanggal lahir ini tidak sama dengan yang tercantum di NIK Anda (15 Agustus 1995)")


def test_a_man_s_nik_carries_the_day_as_is(user_client, verified_user):
    response = post_profile(user_client, nik="3171011508950003", birth_date="1995-08-15")
    assert response.status_code == 302
    assert Applicant.objects.get().birth_date == dt.date(1995, 8, 15)


def test_the_century_is_the_latest_that_is_not_in_the_future(user_client):
    # yy = 05 means 2005 (not 1905); yy = 60 means 1960 (2060 is in the future).
    assert post_profile(user_client, nik="3171011505050003", birth_date="2005-05-15").status_code == 302
    Applicant.objects.all().delete()
    assert post_profile(user_client, nik="3171011505600003", birth_date="1960-05-15").status_code == 302


def test_the_birth_date_may_be_typed_day_first(user_client):
    assert post_profile(user_client, birth_date="15-08-1995").status_code == 302


@pytest.mark.parametrize("kk", ["317101010120", "31710101012000031", "3171-0101-0120-0003x"])
def test_it_refuses_a_kk_that_is_not_16_digits(user_client, kk):
    assert_refused(post_profile(user_client, kk=kk), "kk", "kk_format",
                   "Nomor Kartu Keluarga (KK) terdiri dari tepat 16 angka")


def test_it_refuses_a_kk_with_an_unknown_province(user_client):
    assert_refused(post_profile(user_client, kk="9871010101200003"), "kk", "kk_province",
                   "Dua angka pertama nomor KK bukan kode provinsi yang sah")


def test_an_unverified_account_cannot_save_a_profile(client, db):
    """Otherwise throwaway accounts could each test NIKs against the registrations without owning an inbox."""
    unverified = User.objects.create_user(email="baru@example.com", password="Sandi-Kuat-2021")
    client.force_login(unverified)
    response = post_profile(client)
    assert response.status_code == 200
    assert "Verifikasi alamat e-mail Anda terlebih dahulu" in html.unescape(response.content.decode())
    assert not Applicant.objects.exists()


def test_attempts_are_rationed_so_that_a_list_of_niks_cannot_be_tested(user_client, applicant):
    for _ in range(20):  # each asks whether a NIK is taken (the applicant's is)
        taken = post_profile(user_client, nik=applicant.nik, birth_date=applicant.birth_date.isoformat())
        assert taken.context["form"].has_error("nik", "nik_taken")
    response = post_profile(user_client)  # valid, but one attempt too many this hour
    assert response.status_code == 200
    assert "Terlalu banyak percobaan menyimpan profil" in html.unescape(response.content.decode())
    assert response.context["form"]["full_name"].value() == GOOD["full_name"]  # nothing typed is lost
    assert not Applicant.objects.exclude(pk=applicant.pk).exists()


def test_full_width_digits_are_read_as_the_same_numbers(user_client):
    assert post_profile(user_client, nik="３１７１０１５５０８９５０００３", kk="３１７１０１０１０１２００００３").status_code == 302
    applicant = Applicant.objects.get()
    assert (applicant.nik, applicant.kk) == ("3171015508950003", "3171010101200003")


def test_the_kk_digits_7_to_12_are_an_issue_date_not_checked_as_a_birth_date(user_client):
    assert post_profile(user_client, kk="3171019999990003").status_code == 302


@pytest.mark.parametrize("phone", ["0813 1111 2222", "0813-1111-2222", "+62 813 1111 2222", "6281311112222",
                                   "(0813) 1111.2222", "０８１３ １１１１ ２２２２",
                                   "+62 (0)813-1111-2222", "0062 813 1111 2222"])  # full-width, from some keyboards
def test_it_accepts_the_usual_ways_to_write_a_mobile_number_and_stores_e164(user_client, phone):
    assert post_profile(user_client, phone=phone).status_code == 302
    assert Applicant.objects.get().phone == "+6281311112222"


@pytest.mark.parametrize("phone", [
    "021 555 1234",        # a landline
    "0813 111",            # too short
    "0813 1111 2222 3333",  # too long
    "+1 415 555 0100",     # not Indonesian
    "813 1111 2222",       # no prefix
    "0813 1111 222a",
    "٠٨١٣١١١١٢٢٢٢",        # Arabic-Indic digits
])
def test_it_refuses_other_phone_numbers(user_client, phone):
    assert_refused(post_profile(user_client, phone=phone), "phone", "phone_format",
                   "Masukkan nomor ponsel Indonesia")


def test_it_requires_the_declaration_of_not_being_in_formal_education(user_client):
    assert_refused(post_profile(user_client, not_in_formal_education=None), "not_in_formal_education",
                   "required", "Anda harus menyatakan tidak sedang menempuh pendidikan formal")


def test_it_reports_every_bad_field_at_once(user_client):
    response = post_profile(user_client, nik="9971015508950003", kk="1", phone="12")
    form = response.context["form"]
    assert set(form.errors) >= {"nik", "kk", "phone"}


def test_the_messages_follow_the_language(user_client):
    user_client.post(reverse("set_language"), {"language": "en"})
    response = post_profile(user_client, nik="3171015508950000")
    assert "The last four digits of the NIK (the serial number) cannot be 0000." in response.content.decode()
