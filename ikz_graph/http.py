"""HTTP plumbing shared by publishing and remote queries: endpoints, credentials, authentication,
and the one bounded retry rule.

Credentials come from the environment (``IKZ_GRAPH_USER``, ``IKZ_GRAPH_PASSWORD``) or a netrc file
(``$NETRC`` or ``~/.netrc``, entry for the endpoint's host), never from the command line; they are
never part of an error message. HTTP basic and digest authentication are supported; ``auto`` asks
the server which one it wants.

Retries: a request is tried :data:`ATTEMPTS` times (0.5 s, then 1 s apart) when the connection
failed or the server answered 502, 503 or 504; any other failure is final at once.
"""
from __future__ import annotations

import netrc
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypeVar
from urllib.parse import urlsplit

from .errors import RemoteError

if TYPE_CHECKING:  # pragma: no cover
    import requests

__all__ = ["Credentials", "check_endpoint", "credentials_for", "http_auth", "request_with_retry", "retrying",
           "TryAgain", "GiveUp", "AUTH_SCHEMES", "ATTEMPTS", "RETRY_STATUS", "ENV_USER", "ENV_PASSWORD"]

AUTH_SCHEMES = ("auto", "basic", "digest", "none")
ENV_USER, ENV_PASSWORD = "IKZ_GRAPH_USER", "IKZ_GRAPH_PASSWORD"
#: Attempts per request (the first try and two retries) on connection errors and 502/503/504.
ATTEMPTS = 3
RETRY_STATUS = (502, 503, 504)

T = TypeVar("T")


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str
    origin: str  # where they came from: "environment" or the netrc path (never the secret itself)

    def __repr__(self) -> str:  # keep the password out of tracebacks and logs
        return f"Credentials(user={self.user!r}, password=***, origin={self.origin!r})"


def _without_userinfo(url: str) -> str:
    """``url`` for a message: whatever stands before an ``@`` after ``//`` is left out, also when the
    URL is malformed (a password may hold ``/`` or ``:``, and must not show either way)."""
    head, sep, rest = url.partition("//")
    return head + sep + "…@" + rest.rsplit("@", 1)[1] if sep and "@" in rest else url


def check_endpoint(url: str) -> str:
    """An http(s) URL with a host, a valid port and no credentials in it; raise :class:`RemoteError`
    otherwise (the message never shows what stood before an ``@``)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
    except ValueError:  # its message may quote a piece of the password
        raise RemoteError(f"endpoint {_without_userinfo(url)!r} is not a valid URL (check the host and the port, "
                          "a number from 0 to 65535)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"endpoint {_without_userinfo(url)!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        safe = _without_userinfo(parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl())
        raise RemoteError(f"endpoint {safe}: credentials in the URL are not accepted; set {ENV_USER} and "
                          f"{ENV_PASSWORD} or use a netrc file")
    return url


def credentials_for(url: str, env: dict[str, str] | None = None) -> Credentials | None:
    """Credentials for ``url``: environment variables first, then ``$NETRC`` or ``~/.netrc``."""
    env = os.environ if env is None else env
    user, password = env.get(ENV_USER), env.get(ENV_PASSWORD)
    if user or password:
        if not (user and password is not None):
            raise RemoteError(f"set both {ENV_USER} and {ENV_PASSWORD} (only one of them is set)")
        return Credentials(user, password, "environment")
    path = env.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(urlsplit(url).hostname or "")
    except netrc.NetrcParseError as e:  # its message may quote a token, so only the line is given
        raise RemoteError(f"cannot read the netrc file {path}: syntax error in line {e.lineno}") from None
    except OSError as e:
        raise RemoteError(f"cannot read the netrc file {path}: {e.strerror}") from None
    if not entry:
        return None
    login, _, password = entry
    return Credentials(login, password or "", path)


class TryAgain(Exception):
    """One attempt failed in a way worth retrying (connection failed, 502/503/504)."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason, self.status = reason, status


class GiveUp(TryAgain):
    """One attempt failed for good: no retry."""


def retrying(attempt: Callable[[], T], what: str) -> T:
    """Call ``attempt`` until it returns, at most :data:`ATTEMPTS` times.

    ``attempt`` raises :class:`TryAgain` for a failure worth retrying and :class:`GiveUp` for a final
    one; the last failure becomes a :class:`RemoteError` "``what`` failed: reason [after n attempts]".
    """
    n = 0
    while True:
        n += 1
        try:
            return attempt()
        except GiveUp as e:
            last = e
            break
        except TryAgain as e:
            last = e
            if n >= ATTEMPTS:
                break
            time.sleep(0.5 * n)
    tries = f" after {n} attempts" if n > 1 else ""
    raise RemoteError(f"{what} failed: {last.reason}{tries}", last.status)


def _status_text(r: "requests.Response") -> str:
    return f"HTTP {r.status_code}" + (f" {r.reason}" if r.reason else "")


def request_with_retry(session: "requests.Session", method: str, url: str, *, timeout: float,
                       ok: Callable[["requests.Response"], bool] | None = None, idempotent: bool = True,
                       **kw: Any) -> "requests.Response":
    """Send one request with :func:`retrying`. A request that is not ``idempotent`` is retried only
    when the connection could not be opened (so it cannot have reached the server).

    Any failure raises :class:`RemoteError` naming method, endpoint and HTTP status.
    """
    import requests

    ok = ok or (lambda r: 200 <= r.status_code < 300)
    where = urlsplit(url)._replace(query="", fragment="").geturl()

    def attempt() -> "requests.Response":
        try:
            r = session.request(method, url, timeout=timeout, **kw)
        except requests.exceptions.ConnectTimeout:
            raise TryAgain(f"no connection within {timeout:g} s") from None
        except requests.exceptions.Timeout:
            raise (TryAgain if idempotent else GiveUp)(f"no answer within {timeout:g} s") from None
        except requests.exceptions.ConnectionError as e:
            never_sent = _never_sent(e)
            reason = "the connection failed" if never_sent else "the connection broke off"
            raise (TryAgain if idempotent or never_sent else GiveUp)(reason) from None
        if ok(r):
            return r
        raise (TryAgain if r.status_code in RETRY_STATUS else GiveUp)(_status_text(r), r.status_code)

    return retrying(attempt, f"{method} {where}")


def _never_sent(e: Exception) -> bool:
    """True when the connection could not even be opened (so the server saw nothing)."""
    from urllib3.exceptions import NewConnectionError

    reason = getattr(e.args[0], "reason", None) if e.args else None
    return isinstance(reason, NewConnectionError) or isinstance(e.args[0] if e.args else None, NewConnectionError)


def http_auth(session: "requests.Session", url: str, creds: Credentials | None, scheme: str, timeout: float):
    """The ``requests`` auth object for ``scheme``, or None.

    ``auto`` asks the server with one ``HEAD``: digest or basic as its 401 challenge demands, and no
    authentication at all when it does not ask for any (the password is never sent unasked).
    """
    from requests.auth import HTTPBasicAuth, HTTPDigestAuth

    if scheme not in AUTH_SCHEMES:
        raise RemoteError(f"unknown authentication {scheme!r} (known: {', '.join(AUTH_SCHEMES)})")
    if creds is None or scheme == "none":
        return None
    if scheme == "auto":
        r = request_with_retry(session, "HEAD", url, timeout=timeout, ok=lambda r: r.status_code not in RETRY_STATUS)
        if r.status_code != 401:
            return None
        challenge = r.headers.get("WWW-Authenticate", "")
        scheme = "digest" if challenge.lower().lstrip().startswith("digest") else "basic"
    return HTTPDigestAuth(creds.user, creds.password) if scheme == "digest" else HTTPBasicAuth(creds.user, creds.password)
