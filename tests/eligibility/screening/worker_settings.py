"""Settings for the Celery worker that tests/eligibility/screening/test_worker.py starts as a process:
the project's settings, with the test's own queue so that no other worker takes its messages."""
import os

from prakerja.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["SCREENING_TEST_QUEUE"]
SCREENING_PARTITIONS = int(os.environ.get("SCREENING_PARTITIONS", "3"))
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False  # no pidbox: the test needs no remote control
