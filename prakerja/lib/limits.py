"""Rate limits shared by every web process, and what each one does when the cache that counts is unreachable.

The counters live in the default cache (Redis in production, CACHE_URL), so every gunicorn worker on every
machine counts against the same limit. django-ratelimit does the counting (fixed windows); this module adds the
one thing it leaves out: Django's Redis cache *raises* when Redis is down, and django-ratelimit only survives a
soft failure (RATELIMIT_FAIL_OPEN). So every limit here says what happens then:

- `OPEN`: the request goes ahead uncounted (the protection is lost for the outage, the service is not);
- `CLOSED`: the request is refused with "try again in a few minutes", the same page for every input, so a
  refusal tells nothing about which addresses or NIKs exist.

Either way one warning is logged with the limit's name (never the key: it may be an e-mail address).
The rates are settings (`*_RATE`, default in settings.py, checked by prakerja.checks); the table is in README.
"""
from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)


class CacheDown(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    LIMITED = "limited"  # over the limit
    UNAVAILABLE = "unavailable"  # the cache is unreachable and the limit fails closed


@dataclass(frozen=True)
class Limit:
    """One rate limit: its counter group, the setting holding its rate ("5/h"), and its cache-down behaviour."""

    group: str
    rate_setting: str
    when_cache_down: CacheDown

    @property
    def rate(self) -> str:
        return getattr(settings, self.rate_setting)


# Every limit of the applicant's and the reporter's paths. Why each fails open or closed: README, "When Redis or
# the broker is down".
SIGNUP_PER_CLIENT = Limit("signup:client", "SIGNUP_RATE_PER_CLIENT", CacheDown.OPEN)
SIGNUP_PER_INBOX = Limit("signup:inbox", "SIGNUP_RATE_PER_INBOX", CacheDown.OPEN)
PASSWORD_RESET_PER_CLIENT = Limit("reset:client", "PASSWORD_RESET_RATE_PER_CLIENT", CacheDown.CLOSED)
PASSWORD_RESET_PER_INBOX = Limit("reset:inbox", "PASSWORD_RESET_RATE_PER_INBOX", CacheDown.CLOSED)
RESEND_PER_CLIENT = Limit("resend:client", "RESEND_VERIFICATION_RATE_PER_CLIENT", CacheDown.CLOSED)
RESEND_PER_INBOX = Limit("resend:inbox", "RESEND_VERIFICATION_RATE_PER_INBOX", CacheDown.CLOSED)
PROFILE_PER_ACCOUNT = Limit("profile:account", "PROFILE_RATE_PER_ACCOUNT", CacheDown.CLOSED)
COMPLAINT_PER_CLIENT = Limit("complaints:new", "COMPLAINT_RATE_LIMIT", CacheDown.OPEN)
COMPLAINT_LOOKUP_PER_CLIENT = Limit("complaints:status", "COMPLAINT_LOOKUP_RATE_LIMIT", CacheDown.OPEN)
NIK_MISUSE_PER_ACCOUNT = Limit("complaints:nik_misuse", "COMPLAINT_RATE_LIMIT", CacheDown.OPEN)


def _cache_down(limit_name: str, when: CacheDown) -> Verdict:
    logger.warning("rate limit %s: the cache is unreachable, failing %s", limit_name, when.value)
    return Verdict.ALLOWED if when is CacheDown.OPEN else Verdict.UNAVAILABLE


def hit(request: HttpRequest, limit: Limit, *, key: str) -> Verdict:
    """Count one request against `limit` for `key` (a client address, a canonical inbox, an account id) and say
    whether it may go ahead. Never raises because the cache is unreachable."""
    try:
        usage = get_usage(request, group=limit.group, key=lambda _group, _request: key, rate=limit.rate,
                          increment=True)
    except Exception:  # redis.ConnectionError, TimeoutError...: Django's Redis cache raises when Redis is down
        return _cache_down(limit.group, limit.when_cache_down)
    if usage is None:  # RATELIMIT_ENABLE is off
        return Verdict.ALLOWED
    if usage["limit"] == 0 and usage["time_left"] == -1:  # django-ratelimit's own "the cache failed" answer
        return _cache_down(limit.group, limit.when_cache_down)
    return Verdict.LIMITED if usage["should_limit"] else Verdict.ALLOWED


def hit_all(request: HttpRequest, checks: list[tuple[Limit, str]]) -> Verdict:
    """Count the request against every (limit, key) pair (all are counted, so no limit can be skipped by
    tripping another first) and return the worst verdict: UNAVAILABLE, then LIMITED, then ALLOWED."""
    verdicts = [hit(request, limit, key=key) for limit, key in checks]
    for verdict in (Verdict.UNAVAILABLE, Verdict.LIMITED):
        if verdict in verdicts:
            return verdict
    return Verdict.ALLOWED


def limit_posts(*checks: tuple[Limit, Callable[[HttpRequest], str]]):
    """View decorator: count each POST against the limits (key functions take the request) and set
    `request.limit` to the Verdict (ALLOWED on other methods). The view decides what a refusal looks like."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            request.limit = Verdict.ALLOWED
            if request.method == "POST":
                request.limit = hit_all(request, [(limit, key(request)) for limit, key in checks])
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def once_per(key: str, *, seconds: int, name: str, when_cache_down: CacheDown) -> bool:
    """True the first time `key` is seen in `seconds` (shared by every process), else False. When the cache is
    unreachable: True if `when_cache_down` is OPEN, else False; logged with `name` only."""
    try:
        return bool(cache.add(key, True, timeout=seconds))
    except Exception:  # the cache is unreachable
        return _cache_down(name, when_cache_down) is Verdict.ALLOWED
