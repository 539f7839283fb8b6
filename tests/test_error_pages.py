"""With DEBUG off, 404/403/400/500 show the project's own pages, not Django's English-only built-in ones.

404, 403 and 400 extend base.html (header, language switch, official-site warning) and speak the active language;
500 is self-contained, in Indonesian then English. A failed CSRF check (a form from a page opened before a sign-in
or sign-out elsewhere) gets the site's own page too (prakerja.views.csrf_failure), not Django's bare one.
"""
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

MISSING = "/gelombang/999/"  # wave_detail's get_object_or_404: the 404 visitors actually meet
BUILTIN_404 = "The requested resource was not found on this server"
HOME_LINK = 'id="error-home" href="/"'


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False


def _page(response) -> str:
    return response.content.decode()


def test_it_shows_the_404_page_in_english_to_an_anonymous_visitor(client):
    response = client.get(MISSING, HTTP_ACCEPT_LANGUAGE="en")
    page = _page(response)
    assert response.status_code == 404
    assert "Page not found" in page and "Back to the home page" in page and HOME_LINK in page
    assert "Log in" in page and "Bahasa Indonesia" in page  # base.html's header and language switch
    assert "https://www.prakerja.go.id" in page  # the footer's official-site warning
    assert BUILTIN_404 not in page


def test_it_shows_the_404_page_in_indonesian_by_default(client):
    response = client.get(MISSING, HTTP_ACCEPT_LANGUAGE="id")
    page = _page(response)
    assert response.status_code == 404
    assert '<html lang="id">' in page and HOME_LINK in page and "https://www.prakerja.go.id" in page
    assert "Laman tidak ditemukan" in page and "Laman ini tidak ada atau sudah dipindahkan" in page
    assert 'value="en"' in page  # the switch offers English
    assert BUILTIN_404 not in page and "<h1>Not Found</h1>" not in page


@pytest.mark.parametrize("language", ["id", "en"])
def test_it_shows_the_404_page_to_a_logged_in_applicant(client, applicant, language):
    client.force_login(applicant.user)
    response = client.get("/tidak-ada/", HTTP_ACCEPT_LANGUAGE=language)
    page = _page(response)
    assert response.status_code == 404
    assert f'<html lang="{language}">' in page and HOME_LINK in page
    assert 'action="/keluar/"' in page  # the signed-in header, with its log-out form
    if language == "en":
        assert "Page not found" in page and "My registrations" in page


def test_it_shows_the_403_page_to_an_applicant_opening_the_reports(client, applicant):
    client.force_login(applicant.user)
    response = client.get("/laporan/", HTTP_ACCEPT_LANGUAGE="en")
    page = _page(response)
    assert response.status_code == 403
    assert "You cannot open this page" in page and HOME_LINK in page
    assert "403 Forbidden" not in page


CSRF_TEXT = {
    "id": ("Formulir ini sudah kedaluwarsa", "Muat ulang halaman, lalu tekan tombolnya sekali lagi."),
    "en": ("This form has expired", "Reload the page, then press the button again."),
}


@pytest.mark.parametrize("language", ["id", "en"])
def test_it_shows_the_site_s_page_for_a_csrf_failure(applicant, language):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/masuk/", {"username": "siti@example.com", "password": "x"},
                           HTTP_ACCEPT_LANGUAGE=language)
    page = _page(response)
    heading, advice = CSRF_TEXT[language]
    assert response.status_code == 403
    assert f'<html lang="{language}">' in page and heading in page and advice in page and HOME_LINK in page
    assert "https://www.prakerja.go.id" in page and 'href="/masuk/"' in page  # base.html's header and footer
    assert 'id="error-dashboard"' not in page  # nobody is signed in
    assert "CSRF" not in page and "DEBUG=True" not in page  # not Django's bare page


@pytest.mark.parametrize("language", ["id", "en"])
def test_it_sends_a_signed_in_applicant_back_to_the_dashboard_after_a_csrf_failure(applicant, open_wave_12, language):
    # "Gabung Gelombang" pressed in a tab opened before logging out and in elsewhere: its token is stale.
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant.user)
    response = client.post("/gelombang/12/gabung/", {"csrfmiddlewaretoken": "x" * 64},
                           HTTP_ACCEPT_LANGUAGE=language)
    page = _page(response)
    assert response.status_code == 403
    assert CSRF_TEXT[language][0] in page and HOME_LINK in page
    assert 'id="error-dashboard" href="/dasbor/"' in page and 'action="/keluar/"' in page
    assert not applicant.registrations.exists()


@pytest.mark.urls("tests.error_urls")
def test_it_shows_the_400_page_for_a_suspicious_request():
    client = Client(raise_request_exception=False)
    response = client.get("/uji-galat/400/", HTTP_ACCEPT_LANGUAGE="en")
    page = _page(response)
    assert response.status_code == 400
    assert "This request cannot be processed" in page and HOME_LINK in page
    assert "Bad Request (400)" not in page


def test_it_shows_the_400_page_for_an_unknown_host(client):
    # DisallowedHost is raised by the middleware before authentication: the page still renders.
    response = client.get("/", HTTP_HOST="prakerja-gratis.example", HTTP_ACCEPT_LANGUAGE="en")
    page = _page(response)
    assert response.status_code == 400
    assert "This request cannot be processed" in page and "Log in" in page
    assert "Bad Request (400)" not in page


@pytest.mark.urls("tests.error_urls")
def test_it_shows_the_500_page_in_indonesian_and_english():
    client = Client(raise_request_exception=False)
    response = client.get("/uji-galat/500/", HTTP_ACCEPT_LANGUAGE="en")
    page = _page(response)
    assert response.status_code == 500
    assert "Maaf, terjadi kesalahan di server kami" in page
    assert "Sorry, something went wrong on our server" in page
    assert page.index("Maaf") < page.index("Sorry")  # no language is known: Indonesian first
    assert "https://www.prakerja.go.id" in page and 'href="/"' in page
    assert "Server Error (500)" not in page
