"""Settings for the Celery worker that tests/notifications/test_worker.py starts as a process: the project's,
with the test's own queue, the test's SMTP sink as the mail server, small batches and no retry wait."""
import os

from prakerja.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["NOTIFICATION_TEST_QUEUE"]
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False  # no pidbox: the test needs no remote control
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                       "OPTIONS": {"host": "127.0.0.1", "port": int(os.environ["NOTIFICATION_TEST_SMTP_PORT"]),
                                   "timeout": 30}}}
NOTIFICATION_BATCH = 4
NOTIFICATION_RATE = 10_000.0
NOTIFICATION_RETRY_SECONDS = 0
