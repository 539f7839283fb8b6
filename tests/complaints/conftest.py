"""Fixtures for the complaint tests: a temporary MEDIA_ROOT, eager Celery, a fresh rate-limit cache, files."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a temporary MEDIA_ROOT, never to var/uploads."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _receipts_sent_in_process(eager_celery):
    """The receipt e-mail task runs in-process when its transaction commits."""


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
