"""A person files a complaint in headless Chromium, with evidence, and checks its status with the reference
number and their e-mail."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from complaints.models import Complaint
from tests.browser import click_and_wait
from tests.complaints.helpers import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_files_a_complaint_and_checks_its_status(browser, output_dir, settings, tmp_path, mailoutbox):
    # The bot timer's minimum fill time is a setting: a script fills the form faster than any person.
    settings.COMPLAINT_MIN_FILL_SECONDS = 0
    screenshot = tmp_path / "tangkapan-layar.png"
    screenshot.write_bytes(image_bytes("PNG", (320, 640)))

    browser.get(browser.base_url + "/pengaduan/")
    browser.find_element(By.CSS_SELECTOR, 'input[name="kind"][value="fake_website"]').click()
    browser.find_element(By.NAME, "address").send_keys("https://www.Prakerja-Daftar.com/login")
    browser.find_element(By.NAME, "description").send_keys(
        "Pesan WhatsApp mengarahkan saya ke situs ini; situs itu meminta Rp 150.000 dan kode OTP.")
    browser.find_element(By.NAME, "evidence").send_keys(str(screenshot))
    browser.find_element(By.NAME, "reporter_email").send_keys("pelapor@example.com")
    browser.find_element(By.NAME, "consent").click()
    # The honeypot is not visible to a person.
    assert not browser.find_element(By.NAME, "homepage").is_displayed()
    browser.save_screenshot(str(output_dir / "1-form.png"))
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.complaint-form button[type=submit]"))

    reference = browser.find_element(By.ID, "reference").text
    browser.save_screenshot(str(output_dir / "2-sent.png"))
    complaint = Complaint.objects.get()
    assert reference == complaint.reference
    assert complaint.target.address == "prakerja-daftar.com"
    assert complaint.files.get().content_type == "image/png"
    assert any(reference in message.body for message in mailoutbox)

    browser.get(browser.base_url + "/pengaduan/status/")
    browser.find_element(By.NAME, "reference").send_keys(reference.lower())
    browser.find_element(By.NAME, "email").send_keys("pelapor@example.com")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))

    status = browser.find_element(By.ID, "complaint-status")
    assert reference in status.text
    assert "Status: New" in status.text or "Status: Baru" in status.text
    browser.save_screenshot(str(output_dir / "3-status.png"))
    assert (output_dir / "3-status.png").stat().st_size > 0
