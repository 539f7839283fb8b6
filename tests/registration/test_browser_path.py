"""The applicant's whole path in headless Chromium: sign up, verify through the e-mailed link, log in,
fill in the profile, join the wave, see the dashboard. Screenshots go to test-output/<test name>/.

The live server runs in this process, so django.core.mail.outbox holds the verification e-mail.
"""
import re

import pytest
from django.core import mail
from selenium.webdriver.common.by import By

from registration.models import Registration, User
from tests.browser import click_and_wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]

EMAIL = "rina.wati@example.com"
PASSWORD = "Sandi-Kuat-Rina-2021"


def fill(browser, name: str, value: str) -> None:
    field = browser.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def submit(browser) -> None:
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))


def text(browser) -> str:
    return browser.find_element(By.TAG_NAME, "main").text


def test_it_drives_the_applicant_path_in_chromium(browser, open_wave_12, output_dir):
    shot = lambda name: browser.save_screenshot(str(output_dir / f"{name}.png"))  # noqa: E731
    # A phone set to Indonesian (headless Chromium ignores --lang for Accept-Language).
    user_agent = browser.execute_script("return navigator.userAgent").replace("HeadlessChrome", "Chrome")
    browser.execute_cdp_cmd("Emulation.setUserAgentOverride",
                            {"userAgent": user_agent, "acceptLanguage": "id-ID,id"})

    browser.get(browser.base_url + "/")
    assert "Gelombang 12" in text(browser)
    assert "lagi" in browser.find_element(By.CSS_SELECTOR, ".countdown").text  # "x hari y jam lagi"
    shot("01-landing")

    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Daftar sekarang"))
    fill(browser, "email", EMAIL)
    fill(browser, "password1", PASSWORD)
    fill(browser, "password2", PASSWORD)
    shot("02-signup")
    submit(browser)
    assert "Periksa e-mail Anda" in text(browser)
    shot("03-check-email")

    assert len(mail.outbox) == 1 and mail.outbox[0].to == [EMAIL]
    link = re.search(r"https?://\S+/verifikasi/\S+/", mail.outbox[0].body).group(0)
    assert link.startswith(browser.base_url)
    browser.get(link)
    assert "E-mail terverifikasi" in text(browser)
    assert User.objects.get(email=EMAIL).is_verified
    shot("04-verified")

    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main a.button"))
    fill(browser, "username", EMAIL)
    fill(browser, "password", PASSWORD)
    submit(browser)
    assert "Pendaftaran saya" in text(browser)
    assert "Lengkapi profil Anda terlebih dahulu" in text(browser)
    shot("05-dashboard-no-profile")

    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Isi profil saya"))
    fill(browser, "nik", "3171 0155 0895 0003")
    fill(browser, "kk", "3171 0101 0120 0003")
    fill(browser, "full_name", "Rina Wati")
    # A native date picker: set the ISO value the way the picker does.
    browser.execute_script("document.getElementsByName('birth_date')[0].value = '1995-08-16';")
    fill(browser, "phone", "0813 1111 2222")
    browser.find_element(By.NAME, "not_in_formal_education").click()
    submit(browser)
    # The NIK says 15 August: the typed birth date is refused on its field, and nothing is saved.
    assert "Tanggal lahir ini tidak sama dengan yang tercantum di NIK Anda" in text(browser)
    shot("06-profile-error")
    browser.execute_script("document.getElementsByName('birth_date')[0].value = '1995-08-15';")
    if not browser.find_element(By.NAME, "not_in_formal_education").is_selected():
        browser.find_element(By.NAME, "not_in_formal_education").click()
    submit(browser)
    assert "Profil Anda tersimpan" in text(browser)
    join_button = browser.find_element(By.ID, "join-button")
    assert join_button.text == "Gabung Gelombang"
    shot("07-dashboard-ready")

    click_and_wait(browser, join_button)
    assert "Anda telah bergabung di gelombang 12" in text(browser)
    registration = browser.find_element(By.CSS_SELECTOR, '.registration[data-wave="12"]')
    assert registration.get_attribute("data-status") == "registered"
    assert "Terdaftar" in registration.text
    shot("08-joined")

    registration = Registration.objects.get()
    assert registration.applicant.user.email == EMAIL
    assert registration.wave == open_wave_12
    assert registration.ip_digest is not None and registration.user_agent_digest is not None
    for name in ("01-landing", "03-check-email", "04-verified", "07-dashboard-ready", "08-joined"):
        assert (output_dir / f"{name}.png").stat().st_size > 0
