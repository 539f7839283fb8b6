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
def client_ip_source(app_configs, **kwargs) -> list:
    return client_ip_problems(meta_key=settings.CLIENT_IP_META_KEY)


def client_ip_problems(*, meta_key: str) -> list:
    """CLIENT_IP_META_KEY must name REMOTE_ADDR or a request header (HTTP_...) that a proxy sets to one address.

    X-Forwarded-For is refused: the client can start that list, so a joki would pick a new address per request
    (a fresh rate limit, a fresh lock-out, no joki signal)."""
    if meta_key != "REMOTE_ADDR" and not (meta_key.startswith("HTTP_") and meta_key.upper() == meta_key):
        return [Error(f"CLIENT_IP_META_KEY={meta_key!r} is not REMOTE_ADDR or a request.META header key.",
                      hint="Behind a proxy name the header it sets to the client's address, e.g. HTTP_X_REAL_IP.",
                      id="prakerja.E010")]
    if meta_key == "HTTP_X_FORWARDED_FOR":
        return [Error("CLIENT_IP_META_KEY=HTTP_X_FORWARDED_FOR: the client can write that header's first entries.",
                      hint="Have the proxy set X-Real-IP to the connecting address and use HTTP_X_REAL_IP.",
                      id="prakerja.E011")]
    return []
