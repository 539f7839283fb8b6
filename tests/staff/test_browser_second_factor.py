"""A new staff member's first login in headless Chromium, with the Content-Security-Policy on: password on the
admin's login page, enrolment (secret shown, code typed), recovery codes, then the admin. Screenshots in
test-output/<test name>/."""
import base64

import pytest
from django_otp.oath import TOTP
from selenium.webdriver.common.by import By

from registration.models import User
from tests.browser import click_and_wait
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_a_new_staff_member_enrols_and_reaches_the_admin(browser, output_dir):
    User.objects.create_superuser(email="baru@prakerja.go.id", password=PASSWORD)
    browser.get(browser.base_url + "/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys("baru@prakerja.go.id")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit]"))
    assert "/staf/verifikasi/daftar/" in browser.current_url
    secret = browser.find_element(By.ID, "otp-secret").text
    assert browser.find_element(By.ID, "otp-uri").get_attribute("href").startswith("otpauth://totp/")
    browser.save_screenshot(str(output_dir / "enrol.png"))
    browser.find_element(By.NAME, "code").send_keys(_code(secret))
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    codes = browser.find_elements(By.CSS_SELECTOR, "#recovery-codes li")
    assert len(codes) == 10
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Lanjutkan"))
    assert browser.current_url.endswith("/admin/")
    assert browser.find_element(By.ID, "site-name").text  # the admin's header, styled by its static CSS
    browser.save_screenshot(str(output_dir / "admin.png"))
