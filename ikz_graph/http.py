"""HTTP plumbing shared by publishing and remote queries: endpoints, credentials, authentication,
and the one bounded retry rule.

Credentials come from the environment (``IKZ_GRAPH_USER``, ``IKZ_GRAPH_PASSWORD``) or a netrc file
(``$NETRC`` or ``~/.netrc``, entry for the endpoint's host), never from the command line; they are
never part of an error message. HTTP basic and digest authentication are supported; ``auto`` asks
the server which one it wants.

Retries: a request is tried :data:`ATTEMPTS` times (0.5 s, then 1 s apart) when the connection
failed or the server answered 502, 503 or 504; any other failure is final at once.

Time limits: ``timeout`` bounds each attempt as a whole — connecting, sending the body and reading
the complete answer — not only each socket read (:class:`Deadline`): a server that sends one byte
a second cannot hold a request longer. Every session and opener made here (:func:`session`,
:func:`urllib_opener`) uses connections that the deadline can cut.
"""
from __future__ import annotations

import http.client
import io
import netrc
import os
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypeVar
from urllib.parse import urlsplit

from .errors import GiveUp, RemoteError, TryAgain

if TYPE_CHECKING:  # pragma: no cover
    import requests

__all__ = ["Credentials", "check_endpoint", "credentials_for", "http_auth", "request_with_retry", "retrying",
           "Deadline", "bounded", "auth_hint", "session", "urllib_opener", "AUTH_SCHEMES", "ATTEMPTS",
           "RETRY_STATUS", "ENV_USER", "ENV_PASSWORD"]

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


def auth_hint(creds: Credentials | None) -> str:
    """What to add to a 401/403 message: where the credentials came from, or how to give some."""
    if creds is None:
        return f" (no credentials found: set {ENV_USER} and {ENV_PASSWORD} or use a netrc file)"
    return f" (check the credentials from {creds.origin})"


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
    raise RemoteError(f"{what} failed: {last.reason}{tries}", last.status, uncertain=last.uncertain)


_local = threading.local()


class Deadline:
    """The time limit of one attempt as a whole. While it runs (``with Deadline(s):``), every
    connection opened or reused in this thread through :func:`session` or :func:`urllib_opener`
    is watched; when the time is up its socket is shut down, so a blocked read or write returns
    at once. ``expired`` tells afterwards whether that happened (then no answer is trusted, not
    even one that looked complete)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> "Deadline":
        self._outer = getattr(_local, "deadline", None)
        _local.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _local.deadline = self._outer
        with self._lock:
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _watch(sock) -> None:
    deadline = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


def bounded(attempt: Callable[[], T], seconds: float, opener: "urllib.request.OpenerDirector | None" = None,
            idempotent: bool = True) -> Callable[[], T]:
    """``attempt`` run under a :class:`Deadline` of ``seconds`` (with ``opener`` installed as the
    urllib opener while it runs): an attempt cut off by the deadline raises :class:`TryAgain`
    (:class:`GiveUp` when not ``idempotent``) "no complete answer within … s", as does an answer
    that broke off."""
    def run() -> T:
        if opener is not None:
            urllib.request.install_opener(opener)
        try:
            with Deadline(seconds) as d:
                try:
                    result = attempt()
                except http.client.HTTPException:   # the answer broke off in the middle
                    if not d.expired:
                        raise (TryAgain if idempotent else GiveUp)("the answer broke off") from None
                    result = None
                except TryAgain:
                    if not d.expired:
                        raise
            if d.expired:
                raise (TryAgain if idempotent else GiveUp)(f"no complete answer within {seconds:g} s")
            return result
        finally:
            if opener is not None:
                urllib.request.install_opener(None)
    return run


def _tracked_connections():
    """Connection and pool classes (urllib3, http.client) whose sockets the current deadline watches."""
    import urllib3
    from urllib3.connection import HTTPConnection, HTTPSConnection

    class Tracked:
        def _new_conn(self):
            sock = super()._new_conn()
            _watch(sock)
            return sock

        def request(self, *args, **kw):
            _watch(getattr(self, "sock", None))   # a kept-alive connection, used again
            return super().request(*args, **kw)

    class Conn(Tracked, HTTPConnection):
        pass

    class SConn(Tracked, HTTPSConnection):
        pass

    class Pool(urllib3.HTTPConnectionPool):
        ConnectionCls = Conn

    class SPool(urllib3.HTTPSConnectionPool):
        ConnectionCls = SConn

    class UConn(http.client.HTTPConnection):
        def connect(self):
            super().connect()
            _watch(self.sock)

    class USConn(http.client.HTTPSConnection):
        def connect(self):
            super().connect()
            _watch(self.sock)

    return {"http": Pool, "https": SPool}, UConn, USConn


def session() -> "requests.Session":
    """A ``requests`` session for :func:`request_with_retry`: no proxy or netrc from the
    environment, connections the :class:`Deadline` can cut."""
    import requests
    from requests.adapters import HTTPAdapter

    pools = _tracked_connections()[0]

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kw):
            super().init_poolmanager(*args, **kw)
            self.poolmanager.pool_classes_by_scheme = pools

    s = requests.Session()
    s.trust_env = False  # never pick up a proxy or a netrc behind our back
    s.mount("http://", Adapter())
    s.mount("https://", Adapter())
    return s


def urllib_opener(digest: Credentials | None = None, url: str = "") -> "urllib.request.OpenerDirector":
    """A urllib opener (for SPARQLWrapper) whose connections the :class:`Deadline` can cut; with
    ``digest``, it answers a digest challenge of any realm from ``url`` with these credentials."""
    _, conn, sconn = _tracked_connections()

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(conn, req)

    class SHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(sconn, req, context=self._context)

    handlers: list = [Handler(), SHandler()]
    if digest is not None:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, digest.user, digest.password)
        handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
    return urllib.request.build_opener(*handlers)


def _status_text(r: "requests.Response") -> str:
    return f"HTTP {r.status_code}" + (f" {r.reason}" if r.reason else "")


def request_with_retry(session: "requests.Session", method: str, url: str, *, timeout: float,
                       ok: Callable[["requests.Response"], bool] | None = None, idempotent: bool = True,
                       data: bytes | None = None, **kw: Any) -> "requests.Response":
    """Send one request with :func:`retrying`, each attempt bounded by a :class:`Deadline`. A
    request that is not ``idempotent`` is retried only when the connection could not be opened
    (so it cannot have reached the server).

    Any failure raises :class:`RemoteError` naming method, endpoint and HTTP status; its
    ``uncertain`` is true when the last attempt was sent whole (``data`` handed over to the
    connection completely) but no complete answer came: the server may have carried it out.
    """
    ok = ok or (lambda r: 200 <= r.status_code < 300)
    where = urlsplit(url)._replace(query="", fragment="").geturl()

    def attempt() -> "requests.Response":
        body = _Body(data) if data is not None else None
        with Deadline(timeout) as d:
            try:
                r = session.request(method, url, timeout=timeout, data=body, **kw)
            except Exception as e:
                failure = _failure(e, timeout, idempotent, body)
                if failure is None:
                    raise
            else:
                failure = None
        if d.expired:
            sent = body is None or body.sent
            raise (TryAgain if idempotent else GiveUp)(f"no complete answer within {timeout:g} s", uncertain=sent)
        if failure is not None:
            raise failure from None
        if ok(r):
            return r
        raise (TryAgain if r.status_code in RETRY_STATUS else GiveUp)(_status_text(r), r.status_code)

    return retrying(attempt, f"{method} {where}")


class _Body(io.BytesIO):
    """A request body that tells whether it was handed over to the connection completely: the
    sender reads it block by block and asks for more only after a block went out."""

    sent = False

    def read(self, size: int | None = -1) -> bytes:
        block = super().read(size)
        if not block and size != 0:
            self.sent = True
        return block

    def seek(self, pos: int, whence: int = 0) -> int:   # sent again (after a digest challenge)
        self.sent = False
        return super().seek(pos, whence)


def _failure(e: Exception, timeout: float, idempotent: bool, body: "_Body | None") -> TryAgain | None:
    """The :class:`TryAgain` or :class:`GiveUp` for a ``requests`` error (None: not one of them)."""
    import requests

    sent = body is None or body.sent
    if isinstance(e, requests.exceptions.ConnectTimeout):
        return TryAgain(f"no connection within {timeout:g} s")
    if isinstance(e, requests.exceptions.Timeout):
        return (TryAgain if idempotent else GiveUp)(f"no answer within {timeout:g} s", uncertain=sent)
    if isinstance(e, requests.exceptions.ConnectionError):
        if _never_sent(e):
            return TryAgain("the connection failed")
        return (TryAgain if idempotent else GiveUp)("the connection broke off", uncertain=sent)
    if isinstance(e, requests.exceptions.RequestException):     # e.g. an answer that broke off
        return (TryAgain if idempotent else GiveUp)("the answer broke off", uncertain=sent)
    return None


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
