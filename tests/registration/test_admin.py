"""Staff side: accounts, applicants and registrations; personal data masked without view_full_nik."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from prakerja.lib.privacy import mask_email, mask_name
from registration.models import Registration, Wave
from tests.registration.conftest import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client(client, viewer):
    viewer.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="registration", codename__in=["view_applicant", "view_registration", "view_user"]))
    client.force_login(viewer)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_applicants_are_masked_for_staff_without_the_permission(viewer_client, applicant):
    html = viewer_client.get(reverse("admin:registration_applicant_changelist")).content.decode()
    assert "3201********0001" in html
    assert "3201014112900001" not in html
    assert "3201010101200001" not in html
    assert "+6281234567890" not in html
    # Name and e-mail too, in the one format of every screen (prakerja.lib.privacy).
    assert mask_name(applicant.full_name) in html and f">{applicant.full_name}<" not in html
    assert mask_email(applicant.user.email) in html and applicant.user.email not in html
    detail = viewer_client.get(reverse("admin:registration_applicant_change", args=[applicant.pk])).content.decode()
    assert "3201********0001" in detail
    assert "3201014112900001" not in detail
    assert "+6281234567890" not in detail
    assert applicant.user.email not in detail
    registrations = viewer_client.get(reverse("admin:registration_registration_changelist")).content.decode()
    assert applicant.user.email not in registrations


@pytest.mark.parametrize(("page", "lookup"), [
    ("admin:registration_applicant_changelist", "nik__startswith=3201014"),
    ("admin:registration_applicant_changelist", "kk__startswith=3201010"),
    ("admin:registration_applicant_changelist", "phone__endswith=7890"),
    ("admin:registration_applicant_changelist", "birth_date=1990-12-01"),
    ("admin:registration_registration_changelist", "applicant__nik__startswith=3201014"),
])
def test_masked_numbers_cannot_be_probed_through_url_filters(viewer_client, viewer, applicant, open_wave_12, page,
                                                             lookup):
    """Without the permission, a filter on a hidden value is refused (400) instead of answering digit by digit."""
    register(applicant, open_wave_12)
    response = viewer_client.get(f"{reverse(page)}?{lookup}")
    assert response.status_code == 400
    assert "3201014112900001" not in response.content.decode()
    if "applicant__" in lookup:
        return  # Django refuses filters across relations that are not list filters, for everyone
    # With the permission the whole numbers are on the page anyway, and the filter works.
    viewer.user_permissions.add(Permission.objects.get(content_type__app_label="registration", codename="view_full_nik"))
    viewer_client.force_login(viewer)
    response = viewer_client.get(f"{reverse(page)}?{lookup}")
    assert response.status_code == 200 and "3201014112900001" in response.content.decode()


def test_applicants_are_shown_whole_with_the_permission(viewer_client, viewer, applicant):
    viewer.user_permissions.add(Permission.objects.get(content_type__app_label="registration", codename="view_full_nik"))
    html = viewer_client.get(reverse("admin:registration_applicant_changelist")).content.decode()
    assert "3201014112900001" in html
    assert "+6281234567890" in html


@pytest.mark.parametrize("term", ["3201014112900001", "3201 0141 1290 0001", "3201.0141.1290.0001"])
def test_applicants_are_found_by_exact_nik(staff_client, applicant, other_applicant, term):
    """On the posted look-up page (tests/staff/test_personal_search.py): the changelists have no search box."""
    response = staff_client.post(reverse("admin:staff_lookup"), {"kind": "nik", "value": term})
    assert response.context["found"] == [applicant]


def test_a_partial_nik_finds_nobody(staff_client, applicant):
    response = staff_client.post(reverse("admin:staff_lookup"), {"kind": "nik", "value": "32010141"})
    assert response.context["found"] is None


def test_applicants_are_found_by_e_mail(staff_client, applicant, other_applicant):
    response = staff_client.post(reverse("admin:staff_lookup"), {"kind": "email", "value": "Budi@example.com"})
    assert response.context["found"] == [other_applicant]


def test_applicants_filter_by_province(staff_client, applicant, other_applicant):
    response = staff_client.get(reverse("admin:registration_applicant_changelist"), {"province": "35"})
    assert list(response.context["cl"].result_list) == [other_applicant]


def test_applicants_are_read_only(staff_client, applicant):
    response = staff_client.post(reverse("admin:registration_applicant_change", args=[applicant.pk]),
                                 {"nik": "3578010505950002"})
    assert response.status_code == 403
    applicant.refresh_from_db()
    assert applicant.nik == "3201014112900001"


def test_registrations_filter_by_wave(staff_client, applicant, other_applicant, open_wave_12,
                                                        closed_wave_11, django_assert_max_num_queries):
    register(applicant, open_wave_12)
    register(other_applicant, open_wave_12)
    register(applicant, closed_wave_11)
    url = reverse("admin:registration_registration_changelist")
    response = staff_client.get(url, {"wave__id__exact": open_wave_12.pk})
    assert response.context["cl"].result_count == 2
    response = staff_client.get(url, {"applicant__exact": applicant.pk})
    assert {r.wave.number for r in response.context["cl"].result_list} == {11, 12}
    with django_assert_max_num_queries(12):  # list_select_related: no query per row
        staff_client.get(url)


def test_registrations_are_masked_and_read_only(viewer_client, applicant, open_wave_12):
    registration = register(applicant, open_wave_12)
    html = viewer_client.get(reverse("admin:registration_registration_changelist")).content.decode()
    assert "3201********0001" in html
    assert "3201014112900001" not in html
    assert viewer_client.get(reverse("admin:registration_registration_add")).status_code == 403
    response = viewer_client.post(reverse("admin:registration_registration_delete", args=[registration.pk]),
                                  {"post": "yes"})
    assert response.status_code == 403
    assert Registration.objects.count() == 1


def test_accounts_show_verification(staff_client, applicant, other_applicant):
    response = staff_client.get(reverse("admin:registration_user_changelist"), {"verified": "yes"})
    assert response.context["cl"].result_count == 3  # two applicants and the staff account


def test_staff_can_create_an_account_by_e_mail(staff_client):
    from registration.models import User

    response = staff_client.post(reverse("admin:registration_user_add"), {
        "email": "pmo2@prakerja.go.id", "usable_password": "true",
        "password1": "pmo-Rahasia-2021", "password2": "pmo-Rahasia-2021"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.filter(email="pmo2@prakerja.go.id").exists()


def test_the_wave_admin_is_not_registered_here():
    from django.contrib import admin

    from registration import admin as registration_admin  # noqa: F401

    registered = admin.site._registry.get(Wave)
    assert registered is None or registered.__module__ != "registration.admin"


def test_every_admin_page_of_the_app_opens(staff_client, applicant, open_wave_12):
    registration = register(applicant, open_wave_12)
    for url in (
        reverse("admin:registration_user_change", args=[applicant.pk]),
        reverse("admin:registration_user_add"),
        reverse("admin:registration_applicant_change", args=[applicant.pk]),
        reverse("admin:registration_registration_change", args=[registration.pk]),
        reverse("admin:registration_applicant_changelist") + "?province=32&not_in_formal_education__exact=1",
        reverse("admin:registration_user_changelist") + "?verified=no",
    ):
        assert staff_client.get(url).status_code == 200, url
