"""The one canonical form of an e-mail inbox (prakerja.lib.identity.canonical_email)."""
from __future__ import annotations

import pytest

from prakerja.lib.identity import canonical_email


@pytest.mark.parametrize(("raw", "inbox"), [
    ("ali@gmail.com", "ali@gmail.com"),
    ("A.Li@Gmail.com", "ali@gmail.com"),
    ("a.l.i@gmail.com", "ali@gmail.com"),
    ("A.Li+x@GoogleMail.com", "ali@gmail.com"),
    ("ali+prakerja+2@googlemail.com", "ali@gmail.com"),
    ("  ali@GMAIL.COM  ", "ali@gmail.com"),
    ("ali@gmail.com.", "ali@gmail.com"),
    ("ａｌｉ＠ｇｍａｉｌ．ｃｏｍ", "ali@gmail.com"),  # full-width (NFKC)
    # Other providers: dots count, +tags do not, case does not.
    ("Siti.Aminah@Yahoo.co.id", "siti.aminah@yahoo.co.id"),
    ("siti.aminah+daftar@yahoo.co.id", "siti.aminah@yahoo.co.id"),
    ("budi+x@outlook.com", "budi@outlook.com"),
    ("b.udi@example.com", "b.udi@example.com"),
    ("budi@gmail.co.id", "budi@gmail.co.id"),  # not Google's gmail.com
    ("a.li@mail.gmail.com", "a.li@mail.gmail.com"),
    # A local part that is only a tag keeps it (nothing else would be left).
    ("+tag@example.com", "+tag@example.com"),
    ("no-at-sign", "no-at-sign"),
    ("", ""),
])
def test_it_gives_the_inbox_an_address_delivers_to(raw, inbox):
    assert canonical_email(raw) == inbox


def test_it_is_idempotent():
    for raw in ("A.Li+x@GoogleMail.com", "siti.aminah+daftar@yahoo.co.id"):
        assert canonical_email(canonical_email(raw)) == canonical_email(raw)
