"""Sealing a secret at rest: the lottery seed is stored encrypted so that a copy of the database alone does not
reveal it (docs/DOMAIN.md, "Selection").

Fernet (AES-128-CBC with HMAC-SHA256, from the `cryptography` package) under a key derived with HKDF-SHA256 from
settings.SEED_ENCRYPTION_KEY, which comes from the environment and never from the database. Changing that key
makes the sealed seeds of unselected waves unreadable: rotate it only when no published wave awaits selection.
"""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["InvalidToken", "seal", "unseal"]


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"prakerja wave seed").derive(
        settings.SEED_ENCRYPTION_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    """The encrypted, authenticated form of `secret` (URL-safe base64 text, about 140 characters for a
    64-character seed). Each call gives a different text (random IV)."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    """The secret `seal` encrypted. Raises InvalidToken when `sealed` was not sealed under the current key or was
    altered."""
    return _fernet().decrypt(sealed.encode()).decode()
