"""A local HTTP server on 127.0.0.1 that serves copies of the portals, with faults on demand.

Each source is a `Site` mounted under its own path prefix (`/ca`, `/me`, ...). A site turns a
request path (prefix removed) and query into a `Page`, or None for a 404. Sites render from
in-memory models, so tests change the model between crawls and the next request sees it.

Every 200 page carries validators, as real servers send them: an `ETag` (a hash of the body)
and `Last-Modified` (when this server first served that body at that path). A GET with a
matching `If-None-Match`, or with `If-Modified-Since` not older than that, gets 304 and no
body (`not_modified` counts them); `conditional = False` turns that off.

Faults make the server misbehave on purpose for matching paths: a status code (with optional
headers such as Retry-After), a delay longer than the crawler's timeout, a connection reset,
a truncated body, or a body in another encoding. Each fault fires a set number of times.
"""

import hashlib
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qs, urlsplit


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class Site(Protocol):
    prefix: str

    def handle(self, path: str, query: dict[str, list[str]]) -> Page | None: ...


@dataclass
class Fault:
    path_pattern: str  # regex searched in the full request path (prefix and query included)
    # "status" | "delay" | "reset" | "truncate" (fewer bytes than Content-Length) | "encoding"
    # | "cut" (the body cut short, no Content-Length, the connection closed cleanly)
    kind: str
    times: int = 1  # how many matching requests it affects; -1 for all
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0  # for "delay"
    encoding: str = "cp1252"  # for "encoding": body re-encoded, header still says utf-8
    cut_after: str = ""  # for "cut": the body ends right after this text (else half way)
    fired: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections when a crawler opens 16 at once.
    request_queue_size = 128


class PortalServer:
    """Serve `sites` on 127.0.0.1 (a free port unless given); use as a context manager."""

    def __init__(self, sites: list[Site], port: int = 0):
        self.sites = sorted(sites, key=lambda s: len(s.prefix), reverse=True)
        self.faults: list[Fault] = []
        self.requests: list[str] = []  # every path requested, in order
        self.conditional = True
        self.not_modified: list[str] = []  # paths answered 304
        self._versions: dict[str, tuple[str, float]] = {}  # path -> (etag, first served)
        self._lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", port), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def root(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, prefix: str) -> str:
        return self.root + prefix

    def add_fault(self, path_pattern: str, kind: str, **options) -> Fault:
        fault = Fault(path_pattern, kind, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def requests_matching(self, pattern: str) -> list[str]:
        with self._lock:
            return [path for path in self.requests if re.search(pattern, path)]

    def start(self) -> "PortalServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "PortalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _take_fault(self, full_path: str) -> Fault | None:
        with self._lock:
            self.requests.append(full_path)
            for fault in self.faults:
                if fault.times != -1 and fault.fired >= fault.times:
                    continue
                if re.search(fault.path_pattern, full_path):
                    fault.fired += 1
                    return fault
        return None

    def render(self, full_path: str) -> Page:
        parts = urlsplit(full_path)
        query = parse_qs(parts.query, keep_blank_values=True)
        for site in self.sites:
            if parts.path == site.prefix or parts.path.startswith(site.prefix + "/"):
                page = site.handle(parts.path[len(site.prefix) :] or "/", query)
                if page is not None:
                    return page
        return Page(b"<html><body><h1>Not Found</h1></body></html>", status=404)

    def validators(self, path: str, body: bytes) -> tuple[str, str]:
        """(ETag, Last-Modified) of this body at this path; a new body is modified now."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        with self._lock:
            known = self._versions.get(path)
            if known is None or known[0] != etag:
                known = self._versions[path] = (etag, time.time())
        return etag, formatdate(known[1], usegmt=True)

    def is_not_modified(self, headers, etag: str, modified: str) -> bool:
        if not self.conditional:
            return False
        if_none_match = headers.get("If-None-Match")
        if if_none_match is not None:  # it takes precedence over If-Modified-Since
            return etag in [t.strip() for t in if_none_match.split(",")]
        since = headers.get("If-Modified-Since")
        try:
            return bool(since) and parsedate_to_datetime(since) >= parsedate_to_datetime(modified)
        except (TypeError, ValueError):
            return False

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet: tests read server.requests
                pass

            def do_GET(self) -> None:
                fault = server._take_fault(self.path)
                if fault and fault.kind == "reset":
                    # SO_LINGER 0 makes close() send RST: a connection reset, not a clean EOF.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault and fault.kind == "delay":
                    time.sleep(fault.seconds)
                page = server.render(self.path)
                body, status, headers = page.body, page.status, dict(page.headers)
                if fault and fault.kind == "status":
                    status, headers = fault.status, {**headers, **fault.headers}
                    body = f"<html><body>Error {fault.status}</body></html>".encode()
                if fault and fault.kind == "encoding":
                    body = body.decode("utf-8").encode(fault.encoding, errors="replace")
                if status == 200 and not fault:
                    etag, modified = server.validators(self.path, body)
                    headers = {"ETag": etag, "Last-Modified": modified, **headers}
                    if server.is_not_modified(self.headers, etag, modified):
                        with server._lock:
                            server.not_modified.append(self.path)
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.send_header("Last-Modified", modified)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                declared = len(body)
                if fault and fault.kind == "truncate":
                    body = body[: len(body) // 2]
                cut = bool(fault and fault.kind == "cut")
                if cut:
                    marker = fault.cut_after.encode()
                    end = body.find(marker) + len(marker) if marker in body else len(body) // 2
                    body = body[:end]
                self.send_response(status)
                self.send_header("Content-Type", page.content_type)
                if cut:  # the length is unknown: the client reads until the server closes
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(declared))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    return
                if fault and fault.kind == "truncate":
                    # Fewer bytes than Content-Length, then close: the client sees a cut page.
                    self.close_connection = True

        return Handler
