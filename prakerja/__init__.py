"""The project: settings, URLs, WSGI/ASGI, the Celery app, system checks, and `lib/` (the rules shared by
every app: identity numbers, digests, messages, command-line helpers, admin mixins)."""
from prakerja.celery import app as celery_app

__all__ = ("celery_app",)
