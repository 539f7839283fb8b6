# Celery tasks that load exclusion lists (issue #3). Imported through CELERY_IMPORTS.
