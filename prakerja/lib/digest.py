"""Keyed digests of personal identifiers.

HMAC-SHA256 with settings.DIGEST_KEY, truncated to 128 bits and stored as a UUID (PostgreSQL `uuid`
joins as fast as bigint). Without the key a digest cannot be reversed by enumerating the NIK space.
"""
from __future__ import annotations

import hashlib
import hmac
import uuid

from django.conf import settings


def digest_bytes(value: str, *, key: bytes | None = None) -> bytes:
    key = key if key is not None else settings.DIGEST_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).digest()[:16]


def keyed_digest(value: str) -> uuid.UUID:
    """The 128-bit keyed digest of `value` (a NIK, KK number, IP address or user agent)."""
    return uuid.UUID(bytes=digest_bytes(value))
