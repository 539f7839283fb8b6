# Celery tasks that close waves and screen them (issue #3).
