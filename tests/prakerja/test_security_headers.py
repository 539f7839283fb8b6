"""Every page carries a Content-Security-Policy; signed-in pages and files are never stored by a cache."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/daftar/", "/masuk/", "/pengaduan/", "/admin/login/", "/tidak-ada/"])
def test_it_sends_a_policy_that_refuses_inline_scripts_on_every_page(client, url, open_wave_12):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"].split()[0] == "'self'" and "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_it_lets_no_cache_keep_a_signed_in_page(client, applicant):
    client.force_login(applicant.user)
    for name in ("registration:dashboard", "registration:profile"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_it_lets_no_cache_keep_an_admin_page(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:registration_applicant_changelist"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_it_lets_no_cache_keep_a_posted_form(client):
    response = client.post(reverse("registration:signup"), {"email": "x"})
    assert "no-store" in response["Cache-Control"]


def test_it_keeps_public_pages_cacheable(client, open_wave_12):
    assert "no-store" not in client.get("/").get("Cache-Control", "")


def test_it_lets_no_cache_keep_a_downloaded_file(client, staff):
    from tests.reports.conftest import build_wave

    wave = build_wave()
    client.force_login(staff)
    response = client.get(reverse("reports:results_csv", kwargs={"number": wave.number}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    b"".join(response.streaming_content)
