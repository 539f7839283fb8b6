"""Celery tasks that load exclusion lists. Imported through CELERY_IMPORTS."""
from __future__ import annotations

from celery import shared_task


@shared_task(name="eligibility.lists.tasks.load_exclusion_list", ignore_result=True)
def load_exclusion_list_task(version_id: int) -> None:
    """Load an uploaded list version. Safe to run twice: a finished version is left alone, and a
    version being loaded by another worker is skipped (advisory lock); a worker killed mid-load rolls
    its transaction back, so the redelivered task starts again from a clean slate."""
    from eligibility.lists.services import load_uploaded_version

    load_uploaded_version(version_id=version_id)
