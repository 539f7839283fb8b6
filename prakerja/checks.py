"""Cross-setting checks: production must not run on the development defaults."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

MIN_DIGEST_KEY_LENGTH = 32


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs) -> list:
    return production_problems(
        debug=settings.DEBUG,
        digest_key=settings.DIGEST_KEY,
        database_engine=settings.DATABASES["default"]["ENGINE"],
        broker_url=settings.CELERY_BROKER_URL,
        cache_backend=settings.CACHES["default"]["BACKEND"],
    )


def production_problems(*, debug: bool, digest_key: str, database_engine: str, broker_url: str,
                        cache_backend: str) -> list:
    problems = []
    if debug:
        return problems
    if len(digest_key) < MIN_DIGEST_KEY_LENGTH or digest_key.startswith("dev-only"):
        problems.append(Error(
            f"DIGEST_KEY must be a secret of at least {MIN_DIGEST_KEY_LENGTH} characters.",
            hint="Exclusion lists store only keyed digests of NIKs: a short or known key lets anyone test NIKs "
                 "against them. Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
            id="prakerja.E001",
        ))
    if database_engine == "django.db.backends.sqlite3":
        problems.append(Warning(
            "DATABASE_URL points at SQLite: production needs PostgreSQL (COPY loads, parallel screening).",
            id="prakerja.W001",
        ))
    if broker_url.startswith(("filesystem://", "memory://")):
        problems.append(Warning(
            "CELERY_BROKER_URL is the embedded development broker: workers on other machines cannot share it.",
            hint="Use redis://host:6379/0.",
            id="prakerja.W002",
        ))
    if cache_backend.endswith("LocMemCache"):
        problems.append(Warning(
            "CACHE_URL is a per-process memory cache: rate limits and login throttling are not shared "
            "between web workers.",
            hint="Use rediscache://host:6379/1.",
            id="prakerja.W003",
        ))
    return problems


@register()
def exclusion_list_settings(app_configs, **kwargs) -> list:
    return exclusion_list_problems(
        max_bad_share=settings.EXCLUSION_LIST_MAX_BAD_SHARE, max_shrink=settings.EXCLUSION_LIST_MAX_SHRINK
    )


def exclusion_list_problems(*, max_bad_share: float, max_shrink: float) -> list:
    """The confirmation thresholds of list loads are shares: outside 0..1 a load would never (or always) wait."""
    return [
        Error(f"{name} must be a share from 0 to 1, not {value}.",
              hint="0.01 holds a load with more than 1% bad lines for a staff member's confirmation.",
              id="prakerja.E030")
        for name, value in [("EXCLUSION_LIST_MAX_BAD_SHARE", max_bad_share), ("EXCLUSION_LIST_MAX_SHRINK", max_shrink)]
        if not 0 <= value <= 1
    ]
