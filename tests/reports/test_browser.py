"""The report page in headless Chromium: figures and charts visible, readable without JavaScript."""
from __future__ import annotations

import pytest
from django.test import Client

from tests.reports.conftest import build_wave, staff_with

pytestmark = pytest.mark.browser


def _log_in(browser, user) -> None:
    """Hand the browser a session made by the test client (the login form itself is the admin's)."""
    client = Client()
    client.force_login(user)
    browser.get(browser.base_url + "/admin/login/")
    browser.add_cookie({"name": "sessionid", "value": client.cookies["sessionid"].value, "path": "/"})


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_it_shows_the_report_in_chromium(browser, output_dir, transactional_db, javascript):
    from selenium.webdriver.common.by import By

    wave = build_wave()
    user = staff_with("analis@prakerja.go.id", "view_wave_report", "download_wave_report")
    if not javascript:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    browser.set_window_size(1280, 2600)
    _log_in(browser, user)
    browser.get(f"{browser.base_url}/laporan/gelombang/{wave.number}/")
    assert browser.find_element(By.ID, "fig-registrations").text == "6"
    assert browser.find_element(By.ID, "fig-selected").text == "2"
    bars = browser.find_elements(By.CSS_SELECTOR, "#provinces .bar")
    assert len(bars) == 3 and max(bar.size["width"] for bar in bars) > 100  # drawn, not zero-width
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.timeline rect")) == 3
    assert browser.find_element(By.CSS_SELECTOR, "svg.timeline").size["height"] > 100
    assert "Jawa Barat" in browser.find_element(By.ID, "provinces").text
    shot = output_dir / f"wave-report-{'js' if javascript else 'no-js'}.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
