"""Where outbound webhooks may point: public hosts only (no SSRF into the server's network)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def is_public_address(address: str) -> bool:
    """True for a globally routable IP address (not loopback, private, link-local, ...)."""
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_global
    except ValueError:
        return False


def literal_host_problem(url: str) -> str | None:
    """Why `url` names a host that is plainly internal (localhost, a private IP), else None.

    Names are resolved only at send time (see `resolves_publicly`); this check needs no DNS.
    """
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return "the URL has no host"
    if host == "localhost" or host.endswith(".localhost"):
        return "webhooks cannot point at localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return None if address.is_global else "webhooks cannot point at a private or local address"


def resolves_publicly(url: str) -> bool:
    """True when every address the URL's host resolves to is public."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(is_public_address(str(info[4][0])) for info in infos)
