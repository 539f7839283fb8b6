import pytest

pytestmark = pytest.mark.browser


def test_it_renders_the_landing_page_in_chromium(browser, output_dir, db):
    browser.get(browser.base_url + "/")
    assert "Kartu Prakerja" in browser.title or "Prakerja" in browser.page_source
    browser.save_screenshot(str(output_dir / "landing.png"))
    assert (output_dir / "landing.png").stat().st_size > 0
