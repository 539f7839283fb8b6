"""One error summary for every form: at the top, each error linking to its field, focused by a static script
(the CSP allows no inline code); a form with file fields says the files must be chosen again."""
import html

import pytest
from django.urls import reverse

from tests.complaints.helpers import complaint_data
from tests.registration.test_profile_validation import GOOD

pytestmark = pytest.mark.django_db


def summary(response) -> str:
    page = html.unescape(response.content.decode())
    start = page.index('id="error-summary"')
    return page[start:page.index("</div>", start)]


def test_it_sums_up_a_refused_profile_above_the_form_with_links_to_the_fields(client, verified_user):
    client.force_login(verified_user)
    response = client.post(reverse("registration:profile"), {**GOOD, "birth_date": "1995-08-16"})
    assert response.status_code == 200
    found = summary(response)
    assert 'href="#id_birth_date"' in found and 'tabindex="-1"' in found and "data-error-summary" in found
    page = response.content.decode()
    assert page.index('id="error-summary"') < page.index('name="nik"')  # the first screen shows it
    assert "js/error-summary" in page and "<script>" not in page


def test_it_shows_no_summary_on_a_fresh_form(client, verified_user):
    client.force_login(verified_user)
    assert 'id="error-summary"' not in client.get(reverse("registration:profile")).content.decode()


def test_it_puts_the_password_rules_under_the_password_not_under_password_again(client):
    response = client.post(reverse("registration:signup"),
                           {"email": "budi@example.com", "password1": "12345678", "password2": "12345678"})
    form = response.context["form"]
    assert form.errors.get("password1") and not form.errors.get("password2")
    assert "Sandi anda" not in html.unescape(response.content.decode())


def test_it_tells_a_refused_complaint_that_the_evidence_must_be_chosen_again(client):
    response = client.post(reverse("complaints:new"), complaint_data(consent=None))
    assert response.status_code == 200
    found = summary(response)
    assert 'id="files-again"' in found and "pilih berkas Anda lagi" in found
