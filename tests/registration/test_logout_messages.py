"""Logging out drops the messages not yet shown: they wait in a cookie, which would greet the next person on the
device with the previous one's news."""
import pytest
from django.urls import reverse

from registration.models import Registration

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "signed_out", "left_over"), [
    ("id", "Anda sudah keluar.", "Anda sudah bergabung"), ("en", "You are signed out.", "You have joined wave 12")])
def test_a_pending_message_is_not_shown_after_logout(client, applicant, open_wave_12, language, signed_out,
                                                      left_over):
    client.cookies["django_language"] = language
    client.force_login(applicant.user)
    joined = client.post(reverse("registration:join", args=[12]))
    assert joined.status_code == 302 and Registration.objects.filter(applicant=applicant).exists()
    assert client.cookies["messages"].value  # the "you joined" message waits, unseen

    page = client.post(reverse("registration:logout"), follow=True).content.decode()

    assert left_over not in page
    assert signed_out in page
    assert list(client.get(reverse("registration:landing")).context["messages"]) == []
