import pytest
from django.urls import reverse

# Account e-mails are queued on commit and sent by a task (run in-process here): the tests commit.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]


def test_indonesian_is_the_default(client, open_wave_12):
    response = client.get(reverse("registration:landing"))
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert "Cara mendaftar" in html
    assert "Masuk" in html


def test_english_after_switching_and_back(client, open_wave_12):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("registration:landing")},
                           follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "How to register" in html
    assert "Registration is free" in html
    assert "Log in" in html
    assert "Wave 12" in html
    html = client.get(reverse("registration:signup")).content.decode()
    assert "Create your account" in html
    client.post(reverse("set_language"), {"language": "id"})
    assert "Cara mendaftar" in client.get(reverse("registration:landing")).content.decode()


def test_every_page_of_the_path_is_translated(client, applicant):
    client.force_login(applicant.user)
    for name in ("registration:dashboard", "registration:profile"):
        html = client.get(reverse(name)).content.decode()
        for english in ("My registrations", "Your profile", "Join the wave", "Save profile"):
            assert english not in html, (name, english)
