"""An appeal walked in headless Chromium: the applicant follows the dashboard's appeal link, files the appeal; staff
open it in the admin beside the list version and uphold it; the applicant's dashboard then shows the registration
eligible. Screenshots go to test-output/<test name>/."""
from __future__ import annotations

import pytest
from django.test import Client
from selenium.webdriver.common.by import By

from aftercare.models import Appeal
from tests.aftercare.conftest import make_list, make_wave, register, result_of, screen
from tests.browser import click_and_wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(browser, user) -> None:
    """Hand the browser a session made by the test client (the login forms are tested elsewhere)."""
    client = Client()
    client.force_login(user)
    browser.delete_all_cookies()
    browser.get(browser.base_url + "/admin/login/")
    browser.add_cookie({"name": "sessionid", "value": client.cookies["sessionid"].value, "path": "/"})


def test_it_walks_an_appeal_from_the_dashboard_to_the_decision_and_back(browser, applicant, staff, settings,
                                                                       output_dir, drop_list_tables):
    settings.APPEAL_WINDOW_DAYS = 3
    shot = lambda name: browser.save_screenshot(str(output_dir / f"{name}.png"))  # noqa: E731
    wave = make_wave(number=20, quota=5)
    registration = register(applicant, wave)
    make_list("asn", [applicant], file_name="bkn-2019.csv")
    screen(wave)

    log_in(browser, applicant.user)
    browser.get(browser.base_url + "/dasbor/")
    assert "Tidak memenuhi syarat" in browser.find_element(By.TAG_NAME, "main").text
    shot("01-dashboard-ineligible")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#appeal-20 a"))
    browser.find_element(By.CSS_SELECTOR, "input[name=reason][value=asn]").click()
    browser.find_element(By.NAME, "statement").send_keys("Saya berhenti dari ASN pada 2019 (SK terlampir).")
    shot("02-appeal-form")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#appeal-form button[type=submit]"))
    assert "Sanggahan Anda terkirim" in browser.find_element(By.TAG_NAME, "main").text
    shot("03-appeal-sent")
    appeal = Appeal.objects.get()

    log_in(browser, staff)
    browser.get(f"{browser.base_url}/admin/aftercare/appeal/")
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Putuskan"))
    assert "bkn-2019.csv" in browser.find_element(By.ID, "versions").text
    assert "Saya berhenti dari ASN" in browser.find_element(By.ID, "statement").text
    browser.find_element(By.CSS_SELECTOR, "input[name=decision][value=upheld]").click()
    browser.find_element(By.NAME, "reason").send_keys("SK pemberhentian BKN terlampir dan sah.")
    shot("04-staff-decision")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#content-main input[type=submit]"))
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == ("upheld", staff)
    assert result_of(registration).status == "eligible"

    log_in(browser, applicant.user)
    browser.get(browser.base_url + "/dasbor/")
    row = browser.find_element(By.CSS_SELECTOR, "li.registration[data-wave='20']")
    assert row.get_attribute("data-status") == "eligible"
    shot("05-dashboard-eligible")
