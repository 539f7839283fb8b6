"""A 403 is logged as one line: no traceback, only the path (never the query string)."""
import logging

import pytest


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_refused_page_is_one_log_line(client, applicant, caplog, language):
    client.force_login(applicant.user)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/laporan/?nik=3201014112900001", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None
    line = logging.Formatter().format(record)
    assert line == "Forbidden (Permission denied): /laporan/"
    assert "Traceback" not in caplog.text and "3201014112900001" not in caplog.text


def test_a_server_error_keeps_its_traceback(caplog):
    from django.utils.log import log_response
    from django.http import HttpResponse

    with caplog.at_level(logging.ERROR, logger="django.request"):
        try:
            raise RuntimeError("boom")
        except RuntimeError as exc:
            log_response("Internal Server Error: %s", "/x/", response=HttpResponse(status=500), exception=exc)
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None and "Traceback" in logging.Formatter().format(record)
