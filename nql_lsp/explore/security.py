"""Who may talk to the explorer: a request from this machine's browser that holds the launch token.

A page on loopback is still reachable from any web page the user visits (by fetch, a form, or a DNS name
that rebinds to 127.0.0.1), so every request needs the random token printed at start, and the Host and
Origin headers must name the explorer itself: a rebinding name or another site's WebSocket is refused
before any token is compared. The token travels in the opened URL (``?token=``), then in a same-site,
HTTP-only cookie for the page's own assets, and in a header on the page's API calls.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

COOKIE = "nql_explore_token"
HEADER = "X-NQL-Token"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _split_host(value: str) -> tuple[str, int | None] | None:
    """``name:port`` (or ``[v6]:port``) as name and port; None for what is no host at all."""
    try:
        parsed = urlsplit("//" + value)
        return (parsed.hostname or "", parsed.port)
    except ValueError:
        return None


@dataclass(slots=True)
class Guard:
    """The token, and the host names (besides loopback) this explorer answers to."""

    token: str
    port: int = 0  # filled in once bound
    hosts: set[str] = field(default_factory=set)

    def allow_host(self, names: Iterable[str]) -> None:
        self.hosts.update(n.lower().strip("[]") for n in names)

    def token_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def host_ok(self, host_header: str | None, port: int | None = None) -> bool:
        """The Host header names loopback or a bound name, on the bound port: no DNS rebinding.

        ``port`` is the one the request came in on, when the guard was not told its own."""
        if not host_header:
            return False
        split = _split_host(host_header)
        if split is None:
            return False
        name, given = split
        own = self.port or port
        if own and given not in (own, None):
            return False
        return is_loopback(name) or name.lower() in self.hosts

    def origin_ok(self, origin: str | None, host_header: str | None, port: int | None = None) -> bool:
        """No Origin (not a browser) or the explorer's own; another site's page is refused."""
        if origin is None:
            return True
        try:
            parsed = urlsplit(origin)
        except ValueError:
            return False
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return False
        return parsed.netloc.lower() == (host_header or "").lower() and self.host_ok(parsed.netloc, port)
