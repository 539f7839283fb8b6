"""The reported address of a fake site or a joki, normalised so that duplicates merge.

Pure functions with no database access. The same site or person is typed many ways
(`https://www.Prakerja-Daftar.com/login`, `prakerja-daftar.com`, `0812-3456-7890`, `+62 812 3456 7890`); each
becomes one (kind, address) pair that identifies one ReportedTarget:

- a web address: the lowercase host without scheme, `www.`, port, path, query or trailing dot;
  on shared hosts (link shorteners, social networks, free site builders) the first path segment names the site,
  so it is kept there: `bit.ly/abc` and `bit.ly/xyz` are two different targets.
- a phone number (also a WhatsApp link such as `wa.me/62812...`): E.164 (`+62812...`) by the applicant profile's
  own normaliser (prakerja.lib.identity.normalize_phone), so that `0812-3456-7890`, `+62 (0)812 3456 7890` and
  `62812...` are one number.
- anything else (a social media handle, a bank account): lowercase, single spaces, no leading `@`.

A normalised value is at most MAX_ADDRESS_LENGTH characters, the width of ReportedTarget.address: an account name
is cut to it, a phone number is far shorter, and a web address that would still be longer (a host beyond DNS's
253 characters, a shortener's slug of hundreds) is refused with AddressTooLong rather than cut, since a cut
address could merge two different sites.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.db import models
from django.utils.translation import gettext_lazy as _

from prakerja.lib.identity import IdentityError, normalize_phone


class TargetKind(models.TextChoices):
    WEBSITE = "website", _("Website")
    PHONE = "phone", _("Phone number")
    ACCOUNT = "account", _("Account or other contact")


# The width of ReportedTarget.address (a varchar: PostgreSQL refuses a longer value with a DataError).
MAX_ADDRESS_LENGTH = 255
# RFC 1035: a host name is at most 253 characters in its dotted form.
_MAX_HOST_LENGTH = 253


class AddressError(ValueError):
    """The text cannot be read as the address of a site, a phone number or an account."""


class AddressTooLong(AddressError):
    """An address too long to store: a web address still longer than MAX_ADDRESS_LENGTH once normalised."""


@dataclass(frozen=True)
class Address:
    kind: TargetKind
    value: str


# Hosts where many unrelated sites or people live side by side: the first path segment tells them apart.
SHARED_HOSTS = frozenset({
    "bit.ly", "s.id", "tinyurl.com", "cutt.ly", "rebrand.ly", "shorturl.at", "linktr.ee", "lynk.id",
    "forms.gle", "t.me", "instagram.com", "facebook.com", "fb.com", "tiktok.com", "twitter.com", "x.com",
    "youtube.com",
})
# Hosts where the first two path segments name the site (sites.google.com/view/<name>, docs.google.com/forms/d/<id>).
SHARED_HOSTS_TWO_SEGMENTS = frozenset({"sites.google.com"})
SHARED_HOSTS_THREE_SEGMENTS = frozenset({"docs.google.com"})
WHATSAPP_HOSTS = frozenset({"wa.me", "api.whatsapp.com", "whatsapp.com", "web.whatsapp.com", "chat.whatsapp.com"})

_PHONE_CHARS = re.compile(r"^\+?[\d\s\-().]+$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
# A bare domain as people type it: labels separated by dots, ending in a letters-only TLD, maybe a path.
_BARE_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?(?::\d+)?(?:[/?#].*)?$",
                          re.IGNORECASE)
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9\-]{1,63}(?<!-)$")
_WHITESPACE = re.compile(r"\s+")


def normalise_phone(raw: str) -> str:
    """E.164 by prakerja.lib.identity.normalize_phone (fixed lines and other countries too: a joki's number need
    not be an Indonesian mobile one). Raises AddressError("phone")."""
    try:
        return normalize_phone(raw, mobile_only=False)
    except IdentityError:
        raise AddressError("phone") from None


def _host(netloc_host: str) -> str:
    host = netloc_host.lower().rstrip(".")
    try:
        # Internationalised names (look-alike letters) are compared in their punycode form.
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise AddressError("website") from None
    while host.startswith("www."):
        host = host[4:]
    if len(host) > _MAX_HOST_LENGTH:
        raise AddressTooLong("website")
    labels = host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        # An IP address has a numeric last label: keep it as typed (still a valid, mergeable host).
        if not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", host):
            raise AddressError("website")
    return host


def normalise_url(raw: str) -> Address:
    """A web address: lowercase host without scheme, www., port, path or query (see the module docstring).

    Raises AddressTooLong when even that is longer than MAX_ADDRESS_LENGTH.
    """
    text = raw.strip()
    if not _SCHEME.match(text):
        text = "http://" + text
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        raise AddressError("website") from None
    if not hostname:
        raise AddressError("website")
    host = _host(hostname)
    segments = [segment for segment in parts.path.split("/") if segment]
    if host in WHATSAPP_HOSTS:
        # wa.me/628123..., api.whatsapp.com/send?phone=628123...: the target is the phone number.
        number = segments[0] if host == "wa.me" and segments else parse_qs(parts.query).get("phone", [""])[0]
        if number:
            # WhatsApp links carry the number with its country code and no "+" (wa.me/6281...).
            international = number if number.startswith(("0", "+")) else "+" + number
            return Address(TargetKind.PHONE, normalise_phone(international))
    keep = 0
    if host in SHARED_HOSTS:
        keep = 1
    elif host in SHARED_HOSTS_TWO_SEGMENTS:
        keep = 2
    elif host in SHARED_HOSTS_THREE_SEGMENTS:
        keep = 3
    if keep and segments:
        # Paths on social networks and shorteners are case-insensitive handles for the most part.
        value = "/".join([host, *segments[:keep]]).lower()
        if len(value) > MAX_ADDRESS_LENGTH:
            raise AddressTooLong("website")
        return Address(TargetKind.WEBSITE, value)
    return Address(TargetKind.WEBSITE, host)


def looks_like_website(raw: str) -> bool:
    text = raw.strip()
    return bool(_SCHEME.match(text) or _BARE_DOMAIN.match(text))


def normalise_address(raw: str) -> Address:
    """Classify and normalise what a reporter typed; the value is at most MAX_ADDRESS_LENGTH characters.

    Raises AddressError when nothing usable is left, AddressTooLong (a kind of AddressError) for a web address
    that is too long to store even once normalised.
    """
    text = (raw or "").strip()
    if not text:
        raise AddressError("empty")
    if _PHONE_CHARS.match(text) and len(re.sub(r"\D", "", text)) >= 8:
        return Address(TargetKind.PHONE, normalise_phone(text))
    if looks_like_website(text):
        return normalise_url(text)
    value = _WHITESPACE.sub(" ", text).lstrip("@").strip().lower()
    if not value:
        raise AddressError("empty")
    return Address(TargetKind.ACCOUNT, value[:MAX_ADDRESS_LENGTH])
