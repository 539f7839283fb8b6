"""The reported address of a fake site or a joki, normalised so that duplicates merge.

Pure functions with no database access. The same site or person is typed many ways
(`https://www.Prakerja-Daftar.com/login`, `prakerja-daftar.com`, `0812-3456-7890`, `+62 812 3456 7890`); each
becomes one (kind, address) pair that identifies one ReportedTarget:

- a web address: the lowercase host without scheme, `www.`, port, path, query or trailing dot; on a platform
  that hosts many unrelated pages (link shorteners, social networks, Telegraph, Google Forms, WhatsApp groups)
  the page, as that platform's own rule in PLATFORM_RULES says (`telegra.ph/<page>`, `facebook.com/groups/<id>`,
  `bit.ly/<code>` with its case kept): two pages there are two targets.
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


@dataclass(frozen=True)
class PlatformRule:
    """What identifies one page on a host where many unrelated pages live (a row of PLATFORM_RULES).

    `path` is a regular expression matched at the start of the URL path (without its leading "/"); what it
    matches is kept, after the host, as the page's identity. `query`, when set, names the query key whose
    value identifies the page (kept as `?key=value`). `case_sensitive`: the platform tells `Abc` from `abc`
    there (short-link codes, invite hashes), so the match is kept exactly; otherwise it is lower-cased
    (user names). `example` normalises to `expected` (tested row by row); `source` says how we know.
    """

    host: str
    path: str
    example: str
    expected: str
    source: str
    case_sensitive: bool = False
    query: str = ""


_SEGMENT = r"[^/?#]+"
# One row per kind of page. Adding a platform is one row; rows of one host are tried in order, and a URL on a
# listed host that no row matches stays the whole host. A host not listed here is one site.
PLATFORM_RULES: tuple[PlatformRule, ...] = (
    # Short links: the code is case-sensitive and names one destination; kept exactly.
    PlatformRule("bit.ly", _SEGMENT, "https://bit.ly/Yr7qW", "bit.ly/Yr7qW", "Bitly: back-halves are case-sensitive",
                 case_sensitive=True),
    PlatformRule("s.id", _SEGMENT, "s.id/DaftarPrakerja", "s.id/DaftarPrakerja", "observed: s.id/Abc and s.id/abc differ",
                 case_sensitive=True),
    PlatformRule("tinyurl.com", _SEGMENT, "tinyurl.com/Prakerja13", "tinyurl.com/Prakerja13",
                 "short link: kept as typed", case_sensitive=True),
    PlatformRule("cutt.ly", _SEGMENT, "https://cutt.ly/Xy12Ab", "cutt.ly/Xy12Ab", "short link: kept as typed",
                 case_sensitive=True),
    PlatformRule("shorturl.at", _SEGMENT, "shorturl.at/aBc12", "shorturl.at/aBc12", "short link: kept as typed",
                 case_sensitive=True),
    PlatformRule("rebrand.ly", _SEGMENT, "rebrand.ly/Gel13", "rebrand.ly/Gel13", "short link: kept as typed",
                 case_sensitive=True),
    PlatformRule("forms.gle", _SEGMENT, "https://forms.gle/AbCd1234EfGh5678", "forms.gle/AbCd1234EfGh5678",
                 "Google Forms short links: case-sensitive codes", case_sensitive=True),
    # Google: one form or one site among millions.
    PlatformRule("docs.google.com", r"forms/d/e/" + _SEGMENT,
                 "https://docs.google.com/forms/d/e/1FAIpQLSe_Ab12/viewform?usp=sf_link",
                 "docs.google.com/forms/d/e/1FAIpQLSe_Ab12", "Google Forms: /forms/d/e/<id> is a published form",
                 case_sensitive=True),
    PlatformRule("docs.google.com", r"forms/d/" + _SEGMENT, "docs.google.com/forms/d/1Xy_Z9/edit",
                 "docs.google.com/forms/d/1Xy_Z9", "Google Forms: /forms/d/<id> is a form being edited",
                 case_sensitive=True),
    PlatformRule("sites.google.com", r"view/" + _SEGMENT, "https://sites.google.com/view/Prakerja-Gel13/home",
                 "sites.google.com/view/prakerja-gel13", "Google Sites: /view/<name>, names are lower case"),
    # Telegram: invite links are case-sensitive hashes; user and channel names are not.
    PlatformRule("t.me", r"\+" + _SEGMENT, "https://t.me/+AbCdEf123", "t.me/+AbCdEf123",
                 "Telegram invite links: t.me/+<hash>", case_sensitive=True),
    PlatformRule("t.me", r"joinchat/" + _SEGMENT, "t.me/joinchat/AbCdEf123", "t.me/joinchat/AbCdEf123",
                 "Telegram invite links (older form): t.me/joinchat/<hash>", case_sensitive=True),
    PlatformRule("t.me", _SEGMENT, "t.me/JokiPrakerja", "t.me/jokiprakerja",
                 "Telegram usernames are case-insensitive"),
    PlatformRule("telegra.ph", _SEGMENT, "https://telegra.ph/Harga-Joki-Prakerja-03-12", "telegra.ph/Harga-Joki-Prakerja-03-12",
                 "Telegraph: every page is telegra.ph/<Title>-<mm>-<dd>, case kept", case_sensitive=True),
    # WhatsApp: groups and business short links (wa.me/<number> is a phone number, handled before the table).
    PlatformRule("chat.whatsapp.com", _SEGMENT, "https://chat.whatsapp.com/AbCdEfGhIjK123",
                 "chat.whatsapp.com/AbCdEfGhIjK123", "WhatsApp group invite codes are case-sensitive",
                 case_sensitive=True),
    PlatformRule("wa.me", r"message/" + _SEGMENT, "https://wa.me/message/ABCDEF1234567",
                 "wa.me/message/ABCDEF1234567", "WhatsApp Business short links: wa.me/message/<code>",
                 case_sensitive=True),
    # Facebook: groups by id or name, profiles by id, pages by name.
    PlatformRule("facebook.com", r"groups/" + _SEGMENT, "https://www.facebook.com/groups/123456789012345/posts/9",
                 "facebook.com/groups/123456789012345", "Facebook groups: /groups/<id or name>"),
    PlatformRule("facebook.com", r"profile\.php", "https://m.facebook.com/profile.php?id=100012345678901&ref=x",
                 "facebook.com/profile.php?id=100012345678901", "Facebook profiles without a name: ?id=<number>",
                 query="id"),
    PlatformRule("facebook.com", _SEGMENT, "facebook.com/Joki.Prakerja.Resmi", "facebook.com/joki.prakerja.resmi",
                 "Facebook page names are case-insensitive"),
    PlatformRule("instagram.com", r"(?:p|reel)/" + _SEGMENT, "https://www.instagram.com/p/CxY_12AbC/",
                 "instagram.com/p/CxY_12AbC", "Instagram posts: /p/<shortcode>, case-sensitive", case_sensitive=True),
    PlatformRule("instagram.com", _SEGMENT, "instagram.com/Joki_Prakerja", "instagram.com/joki_prakerja",
                 "Instagram usernames are case-insensitive"),
    PlatformRule("tiktok.com", r"@" + _SEGMENT, "https://www.tiktok.com/@JokiPrakerja/video/7312345678901234567",
                 "tiktok.com/@jokiprakerja", "TikTok accounts: /@<name>, case-insensitive"),
    PlatformRule("x.com", _SEGMENT, "https://x.com/JokiPrakerja/status/1", "x.com/jokiprakerja",
                 "X (Twitter) handles are case-insensitive"),
    PlatformRule("youtube.com", r"watch", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1",
                 "youtube.com/watch?v=dQw4w9WgXcQ", "YouTube videos: watch?v=<id>, case-sensitive id",
                 case_sensitive=True, query="v"),
    PlatformRule("youtube.com", r"@" + _SEGMENT, "youtube.com/@JokiPrakerja", "youtube.com/@jokiprakerja",
                 "YouTube handles are case-insensitive"),
    PlatformRule("youtu.be", _SEGMENT, "https://youtu.be/dQw4w9WgXcQ?si=x", "youtu.be/dQw4w9WgXcQ",
                 "YouTube short links: youtu.be/<video id>", case_sensitive=True),
    PlatformRule("linktr.ee", _SEGMENT, "linktr.ee/JokiPrakerja", "linktr.ee/jokiprakerja",
                 "Linktree names are case-insensitive"),
    PlatformRule("lynk.id", _SEGMENT, "lynk.id/JokiPrakerja", "lynk.id/jokiprakerja", "observed: lynk.id names"),
)
# Other names of a listed host (mobile and web sub-domains, old domains): one platform, one set of rules.
HOST_ALIASES = {
    "m.facebook.com": "facebook.com", "web.facebook.com": "facebook.com", "mbasic.facebook.com": "facebook.com",
    "fb.com": "facebook.com", "twitter.com": "x.com", "mobile.twitter.com": "x.com", "m.youtube.com": "youtube.com",
    "vm.tiktok.com": "tiktok.com", "telegram.me": "t.me",
}
_RULES_BY_HOST: dict[str, list[PlatformRule]] = {}
for _rule in PLATFORM_RULES:
    _RULES_BY_HOST.setdefault(_rule.host, []).append(_rule)
WHATSAPP_HOSTS = frozenset({"wa.me", "api.whatsapp.com", "whatsapp.com", "web.whatsapp.com"})
SHORT_LINK_HOSTS = frozenset({"bit.ly", "s.id", "tinyurl.com", "cutt.ly", "shorturl.at", "rebrand.ly", "forms.gle",
                              "youtu.be"})


def _platform_page(host: str, path: str, query: str) -> str | None:
    """The page's identity on a listed platform (`host/...`), or None: the URL names the whole host."""
    for rule in _RULES_BY_HOST.get(host, ()):
        match = re.match(rule.path + r"(?=/|$)", path)
        if not match:
            continue
        page = match.group(0)
        if rule.query:
            value = parse_qs(query).get(rule.query, [""])[0]
            if not value:
                continue
            page = f"{page}?{rule.query}={value}"
        return f"{host}/{page if rule.case_sensitive else page.lower()}"
    return None


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
    """A web address: lowercase host without scheme, www., port, path or query, or a platform's page
    (PLATFORM_RULES); a WhatsApp link to a number is that phone number (see the module docstring).

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
    host = HOST_ALIASES.get(host, host)
    path = parts.path.lstrip("/")
    if host in WHATSAPP_HOSTS and not path.startswith("message/"):
        # wa.me/628123..., api.whatsapp.com/send?phone=628123...: the target is the phone number.
        segments = [segment for segment in path.split("/") if segment]
        number = segments[0] if host == "wa.me" and segments else parse_qs(parts.query).get("phone", [""])[0]
        if number.strip():
            # WhatsApp links carry the number with its country code and no "+" (wa.me/6281...).
            number = number.strip()
            international = number if number.startswith(("0", "+")) else "+" + number
            return Address(TargetKind.PHONE, normalise_phone(international))
    page = _platform_page(host, path, parts.query)
    if page is not None:
        if len(page) > MAX_ADDRESS_LENGTH:
            raise AddressTooLong("website")
        return Address(TargetKind.WEBSITE, page)
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
