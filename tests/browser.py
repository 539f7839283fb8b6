"""Helpers for the browser tests (the `browser` fixture itself is in tests/conftest.py)."""
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.wait import WebDriverWait

PAGE_LOAD_TIMEOUT = 15


def click_and_wait(browser, element) -> None:
    """Click something that loads a new page, and wait until the new page has finished loading.

    A marker is set on the old page's window: it is gone once the browser has replaced the document, and the new
    document must then report itself complete. Waiting for the old <html> element to go stale is racy: while
    the browser is between documents chromedriver may answer "Node with given id does not belong to the document"
    instead of "stale element", so every WebDriver error met while polling is retried until the timeout.
    """
    browser.execute_script("window.__awaitingNavigation = true;")
    element.click()
    WebDriverWait(browser, PAGE_LOAD_TIMEOUT, ignored_exceptions=(WebDriverException,)).until(
        lambda driver: driver.execute_script(
            "return window.__awaitingNavigation === undefined && document.readyState === 'complete';"),
        message="the page did not load after the click",
    )
