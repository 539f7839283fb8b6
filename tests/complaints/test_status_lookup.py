"""The reporter checks a complaint's status with its reference number AND their e-mail. A wrong e-mail or an
unknown number gives the identical page: a stranger learns nothing about which references exist."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, TriageStatus

pytestmark = pytest.mark.django_db

NOT_FOUND = "No report matches this reference number and e-mail. Check both and try again."


@pytest.fixture
def complaint(db) -> Complaint:
    return services.file_complaint(kind=Complaint.Kind.FAKE_WEBSITE, address="prakerja-daftar.com",
                                   description="It asked for my OTP.", reporter_email="pelapor@example.com")


def _lookup(client, reference: str, email: str):
    return client.post(reverse("complaints:status"), {"reference": reference, "email": email})


def _without_csrf(response) -> str:
    # The CSRF token is masked afresh for every response; everything else must be byte-identical.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_it_shows_the_status_for_the_right_pair(en_client, complaint, staff):
    services.change_status(complaint=complaint, to=TriageStatus.FORWARDED_KOMINFO, by=staff)

    response = _lookup(en_client, complaint.reference, "pelapor@example.com")

    page = response.content.decode()
    assert response.status_code == 200
    assert complaint.reference in page
    assert "Forwarded to Kominfo" in page
    assert NOT_FOUND not in page


def test_it_forgives_case_spaces_and_look_alike_letters(en_client, complaint):
    typed = complaint.reference.lower().replace("-", " ").replace("0", "o").replace("1", "l")

    response = _lookup(en_client, typed, "  PELAPOR@Example.COM ")

    assert response.context["complaint"] == complaint


def test_it_gives_the_identical_answer_for_a_wrong_email_and_an_unknown_number(en_client, complaint):
    unknown = "PKJ-0000-0000" if complaint.reference != "PKJ-0000-0000" else "PKJ-0000-0001"

    wrong_email = _lookup(en_client, complaint.reference, "orang-lain@example.com")
    wrong_number = _lookup(en_client, unknown, "pelapor@example.com")

    assert wrong_email.status_code == wrong_number.status_code == 200
    assert NOT_FOUND in wrong_email.content.decode()
    assert _without_csrf(wrong_email) == _without_csrf(wrong_number)
    # Nothing from the complaint leaks into the page for a wrong e-mail.
    assert complaint.reference not in wrong_email.content.decode()
    assert sorted(wrong_email.headers.items()) == sorted(wrong_number.headers.items())


def test_it_runs_one_query_whatever_is_wrong(en_client, complaint, django_assert_num_queries):
    # The same single look-up for a hit, a wrong e-mail and an unknown number: no timing difference by design.
    for reference, email in ((complaint.reference, "x@example.com"), ("PKJ-0000-0000", "pelapor@example.com"),
                             (complaint.reference, "pelapor@example.com")):
        with django_assert_num_queries(1):
            Complaint.objects.for_reporter(reference=reference, email=email)


def test_it_explains_a_malformed_number(en_client):
    response = _lookup(en_client, "12345", "pelapor@example.com")

    assert response.context["form"].errors["reference"] == ["A reference number looks like PKJ-7K3M-9QXA."]
