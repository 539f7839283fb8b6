"""The client's address: one function read by the rate limits, the login throttle and the joki signals.

Where it comes from is one setting, `CLIENT_IP_META_KEY` (settings.py; default `REMOTE_ADDR`, the socket's peer):

| request | `client_ip()` | rate limits and login throttle (`throttle_key()`) |
|---|---|---|
| the header holds one IPv4 or IPv6 address (spaces trimmed) | that address, normalised (`2001:DB8::1` -> `2001:db8::1`) | the same |
| the header is absent, empty, a list (`1.2.3.4, 5.6.7.8`), a name or garbage | `None`: nothing is stored | `UNKNOWN_CLIENT`: every such request shares one limit |

Behind a reverse proxy the key names the header the proxy itself writes, overwriting whatever the client sent
(nginx `proxy_set_header X-Real-IP $remote_addr` gives `HTTP_X_REAL_IP`). A client's own `X-Real-IP` is then
never seen, so it cannot be forged; `X-Forwarded-For` is refused by a system check because the client can start
that list. A request without the header did not come through the proxy (or the proxy is misconfigured): its
socket address would be the proxy's, shared by everyone, so it is not used. Such requests are throttled together
(fail closed), never given a fresh limit each, and never locked out with identified clients.
"""
from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# The bucket shared by requests whose address cannot be known (the unspecified IPv4 address, never a real peer).
UNKNOWN_CLIENT = "0.0.0.0"


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address as text (IPv4 dotted quad or compressed IPv6), or None when the configured source
    does not hold exactly one address. Never raises. Only its keyed digest is ever stored."""
    raw = request.META.get(settings.CLIENT_IP_META_KEY)
    if not isinstance(raw, str):
        return None
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def throttle_key(request: HttpRequest) -> str:
    """`client_ip()`, or `UNKNOWN_CLIENT` when it is None: the key of the rate limits (django-ratelimit's
    RATELIMIT_IP_META_KEY) and of the login throttle (django-axes' AXES_CLIENT_IP_CALLABLE), which need an address."""
    return client_ip(request) or UNKNOWN_CLIENT
