"""The realistic server: the large copy of bench/portal.py served the way a busy portal does.

bench/portal.py's asyncio server answers from memory in microseconds over keep-alive
connections, which flatters any client: the crawler's own work is all there is to measure.
A real portal (Drupal behind Apache, the Maine viewer) spends milliseconds per page and often
closes the connection after each response. This server does that:

- a thread per connection (`ThreadingHTTPServer`), HTTP/1.0 with `Connection: close`: every
  request opens a new TCP connection, as Scrapy must against such a server;
- `--server-ms` milliseconds of server time per page (default 10; slept, so the GIL is free
  and concurrent requests overlap as they would on a real server), optionally spread
  uniformly by +-`--jitter-ms`;
- a listen backlog of 256 (`request_queue_size`), so 32 concurrent connects are not dropped;
- conditional GETs: every page carries an `ETag` (hash of the body) and `Last-Modified` (the
  copy's build time); `If-None-Match` / `If-Modified-Since` that match get a 304 with no body.

Pages are the same pre-rendered bytes as bench/portal.py (same markup, same paths).

Usage:
    python bench/realistic.py serve --ca 10000 [--me 3000] [--server-ms 10] [--port 0]
        prints `READY http://127.0.0.1:PORT <counts>` on stdout when listening
"""

import argparse
import contextlib
import hashlib
import json
import random
import sys
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import portal


def split_response(raw: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """A pre-rendered HTTP/1.1 response -> (status, headers without Content-Length, body)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = []
    for line in lines[1:]:
        key, _, value = line.partition(": ")
        if key.lower() != "content-length":
            headers.append((key, value))
    return status, headers, body


class Pages:
    """The copy as (status, head bytes, body, etag) per path, for a plain HTTP/1.0 server."""

    def __init__(self, raw_pages: dict[str, bytes], modified: float | None = None):
        self.last_modified = formatdate(modified or time.time(), usegmt=True)
        self.modified_at = parsedate_to_datetime(self.last_modified)
        self.pages: dict[str, tuple[int, bytes, bytes, str]] = {}
        done: dict[int, tuple] = {}  # the same bytes object under two paths: convert once
        for path, raw in raw_pages.items():
            if id(raw) not in done:
                status, headers, body = split_response(raw)
                etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
                head = "".join(f"{k}: {v}\r\n" for k, v in headers)
                if status == 200:
                    head += f"ETag: {etag}\r\nLast-Modified: {self.last_modified}\r\n"
                done[id(raw)] = (status, head.encode("latin-1"), body, etag)
            self.pages[path] = done[id(raw)]

    def not_modified(
        self, page: tuple, if_none_match: str | None, if_modified_since: str | None
    ) -> bool:
        status, _, _, etag = page
        if status != 200:
            return False
        if if_none_match is not None:  # takes precedence (RFC 9110 13.2.2)
            return etag in [t.strip() for t in if_none_match.split(",")] or if_none_match == "*"
        if if_modified_since:
            try:
                return parsedate_to_datetime(if_modified_since) >= self.modified_at
            except (TypeError, ValueError):
                return False
        return False


class RealisticServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # listen backlog
    served = 0
    not_modified = 0


def make_handler(pages: Pages, server_ms: float, jitter_ms: float = 0.0, log=None):
    """`log`: an open text file that gets `<unix time> <status> <path>` per request."""
    rng = random.Random(7)
    lock = threading.Lock()

    def logged(status: int, path: str) -> None:
        if log is not None:
            with lock:
                log.write(f"{time.time():.4f} {status} {path}\n")
                log.flush()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection
        server_version = "bench-realistic/1"

        def do_GET(self):
            page = pages.pages.get(self.path)
            delay = server_ms + (rng.uniform(-jitter_ms, jitter_ms) if jitter_ms else 0.0)
            if delay > 0:
                time.sleep(delay / 1000)
            RealisticServer.served += 1
            if page is None:
                logged(404, self.path)
                body = b"<html><body><h1>Not Found</h1></body></html>"
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                return
            status, head, body, etag = page
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if pages.not_modified(page, inm, ims):
                logged(304, self.path)
                RealisticServer.not_modified += 1
                self.wfile.write(
                    f"HTTP/1.0 304 Not Modified\r\nETag: {etag}\r\nLast-Modified: "
                    f"{pages.last_modified}\r\nConnection: close\r\n\r\n".encode("latin-1")
                )
                return
            logged(status, self.path)
            reason = portal.REASONS.get(status, "OK")
            self.wfile.write(
                f"HTTP/1.0 {status} {reason}\r\n".encode("latin-1") + head
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("latin-1")
                + body
            )  # fmt: skip

        def log_message(self, *args):  # quiet: one line per request would cost more than the page
            pass

    return Handler


def serve(raw_pages: dict[str, bytes], server_ms: float, jitter_ms: float = 0.0, port: int = 0,
          log=None):  # fmt: skip
    pages = Pages(raw_pages)
    return RealisticServer(("127.0.0.1", port), make_handler(pages, server_ms, jitter_ms, log))


async def _client(port: int, paths: list[str], concurrency: int) -> float:
    """Fetch `paths`, a new connection per request, `concurrency` at a time; returns seconds."""
    import asyncio

    queue = list(reversed(paths))

    async def worker():
        while queue:
            path = queue.pop()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            await reader.read()  # to the close
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def measure(
    raw_pages: dict[str, bytes], server_ms: float, requests: int, concurrency: int = 32
) -> dict:
    """Requests/s of the realistic server alone (in its own process), the crawl's page mix."""
    import asyncio
    import multiprocessing as mp

    mix = portal.request_mix(raw_pages, requests)

    def run(q):
        httpd = serve(raw_pages, server_ms)
        q.put(httpd.server_address[1])
        httpd.serve_forever()

    ctx = mp.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=run, args=(q,), daemon=True)
    proc.start()
    port = q.get(timeout=120)
    seconds = asyncio.run(_client(port, mix, concurrency))
    proc.kill()
    proc.join()
    return {"requests": len(mix), "concurrency": concurrency, "server_ms": server_ms,
            "req_per_s": round(len(mix) / seconds),
            "ceiling_req_per_s": round(concurrency * 1000 / server_ms) if server_ms else None}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("serve",))
    parser.add_argument("--ca", type=int, default=10_000, help="CA notices")
    parser.add_argument("--me", type=int, default=None, help="Maine notices (default CA/5)")
    parser.add_argument("--no-rankiteo", action="store_true")
    parser.add_argument("--server-ms", type=float, default=10.0, help="server time per page")
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="+- spread of server time")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", type=Path, help="append `<time> <status> <path>` per request")
    args = parser.parse_args()
    me_count = args.ca // 5 if args.me is None else args.me
    copy = portal.build_copy(args.ca, me_count, rankiteo=not args.no_rankiteo)
    raw = portal.prerender(copy)
    counts = {
        **portal.copy_counts(copy, raw),
        "server": "realistic",
        "server_ms": args.server_ms,
        "jitter_ms": args.jitter_ms,
    }
    del copy
    log = args.log.open("a", encoding="utf-8") if args.log else None
    httpd = serve(raw, args.server_ms, args.jitter_ms, args.port, log)
    del raw
    port = httpd.server_address[1]
    print(f"READY http://127.0.0.1:{port} {json.dumps(counts)}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        httpd.serve_forever(poll_interval=0.2)
    httpd.server_close()


if __name__ == "__main__":
    main()
