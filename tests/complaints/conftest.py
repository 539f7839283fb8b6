"""Fixtures for the complaint tests: a temporary MEDIA_ROOT, eager Celery, a fresh rate-limit cache, files."""
from __future__ import annotations

import pytest

from prakerja.celery import app as celery_app


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a temporary MEDIA_ROOT, never to var/uploads."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def eager_celery():
    """The receipt e-mail task runs in-process when its transaction commits."""
    old = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = old


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
