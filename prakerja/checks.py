"""System checks on settings: production must not run on the development defaults, the client address comes
from one trusted source, and every value with a range is inside it (refused at start-up, never clamped)."""
from __future__ import annotations

import re

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
    if broker_url.startswith(("filesystem://", "memory://", "sqla+")):
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


# The development defaults of the keys in prakerja/settings.py: published in the repository, so known to anyone.
DEVELOPMENT_KEY_PREFIX = "dev-only"


@register(Tags.security, deploy=True)
def development_keys(app_configs, **kwargs) -> list:
    return development_key_problems(keys={name: getattr(settings, name)
                                          for name in ("SECRET_KEY", "DIGEST_KEY", "SEED_ENCRYPTION_KEY")})


def development_key_problems(*, keys: dict[str, str]) -> list:
    """`check --deploy` refuses a development or short key whatever DEBUG says (prakerja.E002): a deployment
    started with DEBUG=True by mistake falls back to the published development keys, and then its sessions can be
    forged (SECRET_KEY), its NIK digests tested (DIGEST_KEY) and its sealed lottery seeds opened
    (SEED_ENCRYPTION_KEY) by anyone who read the repository."""
    return [
        Error(f"{name} is a development key or shorter than {MIN_DIGEST_KEY_LENGTH} characters.",
              hint=f"Set {name} in the environment: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
              id="prakerja.E002")
        for name, value in keys.items()
        if value.startswith(DEVELOPMENT_KEY_PREFIX) or len(value) < MIN_DIGEST_KEY_LENGTH
    ]


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


# Settings with a range: (name, lowest, highest or None). Out of range is an error at start-up, never a
# silent clamp: an operator who sets SCREENING_PARTITIONS=1000 learns it is not used.
RANGES = [
    ("SCREENING_PARTITIONS", 1, 256),
    ("APPEAL_WINDOW_DAYS", 0, 60),  # 0 turns appeals off; the selection waits for the window
    ("TRAINING_DEADLINE_DAYS", 1, 365),  # days to buy a first training
    ("NOTIFICATION_RATE", 0.001, None),  # e-mails a second, on average
    ("NOTIFICATION_BATCH", 1, None),
    ("NOTIFICATION_RETRY_SECONDS", 1, None),
    ("SCREENING_STALE_AFTER", 30, None),  # seconds; below a partition's run time every partition is re-queued
    ("EXCLUSION_LIST_STALE_AFTER", 30, None),
    ("EXCLUSION_LIST_MAX_UPLOAD_MB", 1, None),
    ("EXCLUSION_LIST_DIGEST_PROCESSES", 0, 64),  # None (the default) means one per CPU, at most 4
    ("EXCLUSION_LIST_PARALLEL_MIN_BYTES", 0, None),
    # Shares of a load (0 to 1): above them a load waits for a staff member's confirmation.
    ("EXCLUSION_LIST_MAX_BAD_SHARE", 0, 1),
    ("EXCLUSION_LIST_MAX_SHRINK", 0, 1),
    ("JOKI_IP_MIN_ACCOUNTS", 2, None),  # a "cluster" of one account is every account
    ("JOKI_DEVICE_MIN_ACCOUNTS", 2, None),
    ("JOKI_WINDOW_MINUTES", 1, None),
    ("JOKI_PHONE_MIN_NUMBERS", 2, None),
    ("JOKI_PHONE_SPAN", 1, None),
    ("REPORT_SYNC_MAX_REGISTRATIONS", 0, None),
    ("COMPLAINT_MAX_UPLOAD_BYTES", 1, None),
    ("COMPLAINT_MAX_EVIDENCE_FILES", 0, None),
    ("COMPLAINT_MAX_IMAGE_PIXELS", 1, None),
    ("COMPLAINT_MIN_FILL_SECONDS", 0, None),
    ("COMPLAINT_FORM_MAX_AGE", 60, None),
    ("COMPLAINT_EVIDENCE_RETENTION_DAYS", 1, None),
    ("COMPLAINT_RECEIPTS_PER_INBOX_PER_DAY", 0, None),
    ("AXES_FAILURE_LIMIT", 1, None),
    ("LOGIN_ACCOUNT_SLOWDOWN_AFTER", 1, None),
    ("LOGIN_ACCOUNT_DELAY_SECONDS", 1, 3600),  # a slow-down, not a lock-out
    ("LOGIN_ADDRESS_MAX_ACCOUNTS", 2, None),
    ("OUTBOX_SWEEP_SECONDS", 1, None),
    ("CONN_MAX_AGE", 0, None),
]
RATES = ["COMPLAINT_RATE_LIMIT", "COMPLAINT_LOOKUP_RATE_LIMIT", "SIGNUP_RATE_PER_CLIENT", "SIGNUP_RATE_PER_INBOX",
         "PASSWORD_RESET_RATE_PER_CLIENT", "PASSWORD_RESET_RATE_PER_INBOX", "RESEND_VERIFICATION_RATE_PER_CLIENT",
         "RESEND_VERIFICATION_RATE_PER_INBOX", "PROFILE_RATE_PER_ACCOUNT",
         "STAFF_SEARCH_RATE_LIMIT", "STAFF_LIST_RATE_LIMIT"]
_RATE = re.compile(r"^[1-9][0-9]*/[0-9]*[smhd]$")  # django-ratelimit's "count/period", e.g. 5/h or 100/15m


@register()
def settings_in_range(app_configs, **kwargs) -> list:
    values = {name: getattr(settings, name) for name, _low, _high in RANGES if name != "CONN_MAX_AGE"}
    values["CONN_MAX_AGE"] = settings.DATABASES["default"].get("CONN_MAX_AGE") or 0
    return range_problems(values=values, rates={name: getattr(settings, name) for name in RATES})


def range_problems(*, values: dict, rates: dict) -> list:
    """Errors (prakerja.E020) for values outside RANGES (None is allowed where the default is None), and
    (prakerja.E021) for rates django-ratelimit cannot read."""
    problems = []
    for name, low, high in RANGES:
        value = values.get(name)
        if value is None and name == "EXCLUSION_LIST_DIGEST_PROCESSES":
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < low \
                or (high is not None and value > high):
            allowed = f"{low} to {high}" if high is not None else f"at least {low}"
            problems.append(Error(f"{name}={value!r} is out of range: it must be {allowed}.", id="prakerja.E020"))
    for name, rate in rates.items():
        if not isinstance(rate, str) or not _RATE.match(rate):
            problems.append(Error(f"{name}={rate!r} is not a rate like 5/h (count/period, period s, m, h or d).",
                                  id="prakerja.E021"))
    return problems
