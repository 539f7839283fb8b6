"""The Celery app. Configuration lives in settings.py under the CELERY_ prefix."""
import os
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prakerja.settings")

app = Celery("prakerja")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.import_modules.connect
def _make_broker_folders(sender=None, **kwargs) -> None:
    """The embedded broker writes under var/: its folders are made when a Celery process starts, not when
    settings are imported."""
    from django.conf import settings

    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
