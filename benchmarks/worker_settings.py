"""Settings of the Celery worker that bench_screening starts: the project's, with the partition count
the benchmark asks for (until prakerja/settings.py reads SCREENING_PARTITIONS from the environment)."""
import os

from prakerja.settings import *  # noqa: F403

SCREENING_PARTITIONS = int(os.environ.get("SCREENING_PARTITIONS", "8"))
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False  # readiness is read from the log; no pidbox files
