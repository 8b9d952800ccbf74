"""A large synthetic copy of the portals for benchmarks, pre-rendered and served from memory.

The copy is grown from the real data in localportal/data, rendered by the project's own
site classes (localportal/), so every page has the real markup the spiders parse:

- California (`/ca`): the 4,593 real rows of the CSV export, cycled. Cycle 0 is the real row;
  later cycles are the same organisation filing again a few days to months earlier, under a
  name variant ("Acme Inc" -> "ACME INC", "The Acme Inc", "Acme Inc, LLC", "Acme Inc of Ohio 7"),
  with breach and reported dates shifted together. Sorted newest first, 50 rows a list page,
  the real pager; IDs are sparse, decreasing `sb24-N` node ids, unique. Plus the CSV export.
- Maine (`/me`): the 985 rows of the real 2018-2020 form-export workbook, cycled the same way
  (UUIDs derived from the row id and the cycle), one list page with every row, detail pages.
- Rankiteo (`/rankiteo`): one post retelling every 20th CA notice, plus the real Mount Diablo
  post and the two other fixture posts; sitemap index and posts sitemap.

Pages are rendered once into a dict {path?query: response bytes} and served by a minimal
asyncio HTTP/1.1 server (keep-alive, Content-Length, no per-request rendering or locking), so
the server costs a dictionary lookup and one write per request. `localportal.server.PortalServer`
renders each page per request and looks CA/Maine detail pages up by a linear scan over the
notices (O(N) per request), which is fine for tests but makes it the bottleneck at 10k+ notices;
`python bench/portal.py measure` compares the two.

Usage:
    python bench/portal.py serve --ca 10000 [--me 2000] [--rankiteo 500] [--port 0]
        prints `READY http://127.0.0.1:PORT <pages>` on stdout when listening
    python bench/portal.py measure --ca 10000   # both servers alone, concurrent client
"""

import argparse
import asyncio
import contextlib
import dataclasses
import hashlib
import re
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from localportal import aggregators, ca, me  # noqa: E402
from localportal.server import Page, PortalServer  # noqa: E402

PLACES = ("Ohio", "Texas", "Boston", "Denver", "Atlanta", "Fresno", "Tampa", "Reno", "Austin",
          "Omaha", "Tulsa", "Salem", "Dayton", "Provo", "Akron", "Macon")  # fmt: skip
RANKITEO_EVERY = 20


def name_variant(name: str, cycle: int) -> str:
    """The name a repeat filing of cycle `cycle` shows (cycle 0: the real name)."""
    if cycle == 0:
        return name
    kind = cycle % 6
    if kind == 1:
        return name.upper()
    if kind == 2:
        return name if name.lower().startswith("the ") else "The " + name
    if kind == 3:
        return name.rstrip(".") + ", LLC"
    if kind == 4:
        return name.replace(",", "").replace(".", "")
    if kind == 5:
        return f"{name} of {PLACES[cycle % len(PLACES)]}"
    return f"{name} of {PLACES[cycle % len(PLACES)]} {cycle}"


def _shift(cycle: int, index: int) -> int:
    """Days a cycle's copy of row `index` is moved back: a few days to a few months."""
    if cycle == 0:
        return 0
    spread = int(hashlib.sha256(f"{cycle}:{index}".encode()).hexdigest()[:6], 16) % 120
    return 3 + 30 * (cycle - 1) + spread


def _mdy(text: str, days: int) -> str:
    return (datetime.strptime(text, "%m/%d/%Y") - timedelta(days=days)).strftime("%m/%d/%Y")


def ca_notices(count: int) -> list[ca.CANotice]:
    real = ca.load_real_rows()
    rows = []
    for i in range(count):
        cycle, index = divmod(i, len(real))
        row, days = real[index], _shift(cycle, index)
        rows.append(
            {
                "name": name_variant(row["name"], cycle),
                "dates": [_mdy(d, days) for d in row["dates"]],
                "reported": _mdy(row["reported"], days),
            }
        )
    rows.sort(key=lambda r: datetime.strptime(r["reported"], "%m/%d/%Y"), reverse=True)
    # ca.synthetic_ids starts at the real newest id and steps 1-37 down: room for ~30k ids;
    # a bigger copy starts higher so every id stays a positive node id.
    ids = ca.synthetic_ids(count, newest=max(629314, 40 * count))
    return [
        ca.CANotice(sid, r["name"], r["dates"], r["reported"],
                    files=[(re.sub(r"[^A-Za-z0-9]+", " ", r["name"]).strip() or "Notice")
                           + " Notice Letter.pdf"])
        for sid, r in zip(ids, rows, strict=True)
    ]  # fmt: skip


def me_notices(count: int) -> list[me.MENotice]:
    real = me.notices_from_form_workbook(count=100_000)
    out = []
    for i in range(count):
        cycle, index = divmod(i, len(real))
        base = real[index]
        if cycle == 0:
            out.append(base)
            continue
        days = _shift(cycle, index)
        name = name_variant(base.entity_name, cycle)
        reported = datetime.strptime(base.reported_date, "%Y-%m-%d") - timedelta(days=days)
        out.append(
            dataclasses.replace(
                base,
                uuid=str(uuid.uuid5(uuid.UUID(base.uuid), f"bench-{cycle}")),
                reported_date=f"{reported:%Y-%m-%d}",
                entity_name=name,
                entity=[(k, name if k == "Entity Name" else v) for k, v in base.entity],
                notice_loc=4000 + i,
            )
        )
    out.sort(key=lambda n: n.reported_date, reverse=True)
    return out


def rankiteo_site(notices: list[ca.CANotice], prefix: str = "/rankiteo"):
    retold = [
        {
            "entity": n.name,
            "breach_dates": n.breach_dates,
            "reported_date": n.reported,
            "notice_url": f"{ca.LIVE}/ecrime/databreach/reports/{n.source_id}",
        }
        for n in notices[::RANKITEO_EVERY]
    ]
    return aggregators.build_rankiteo_site(retold, prefix=prefix)


@dataclasses.dataclass
class Copy:
    ca_site: ca.CASite
    me_site: me.MaineSite | None
    rankiteo: aggregators.RankiteoSite | None

    @property
    def sites(self) -> list:
        return [s for s in (self.ca_site, self.me_site, self.rankiteo) if s is not None]


def build_copy(ca_count: int, me_count: int = 0, rankiteo: bool = True) -> Copy:
    notices = ca_notices(ca_count)
    return Copy(
        ca.CASite(notices, prefix="/ca"),
        me.MaineSite(me_notices(me_count), prefix="/me") if me_count else None,
        rankiteo_site(notices) if rankiteo else None,
    )


# --- Pre-rendering --------------------------------------------------------------------------
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 403: "Forbidden", 404: "Not Found"}


def response_bytes(page: Page) -> bytes:
    head = [f"HTTP/1.1 {page.status} {REASONS.get(page.status, 'OK')}",
            f"Content-Type: {page.content_type}", f"Content-Length: {len(page.body)}"]  # fmt: skip
    head += [f"{k}: {v}" for k, v in page.headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + page.body


def prerender(copy: Copy) -> dict[str, bytes]:
    """Every page a crawl of the copy can request, as full HTTP responses."""
    pages: dict[str, bytes] = {}
    site = copy.ca_site
    p = site.prefix
    for n in range(site.last_page + 1):
        path = f"{p}/privacy/databreach/list" + (f"?page={n}" if n else "")
        pages[path] = response_bytes(site.list_page(n))
    pages[f"{p}/privacy/databreach/list?page=0"] = pages[f"{p}/privacy/databreach/list"]
    pages[f"{p}/privacy/databreach/list-export"] = response_bytes(
        site.handle("/privacy/databreach/list-export", {})
    )
    for notice in site.notices:
        body = site.detail_page(notice).encode()
        pages[f"{p}/ecrime/databreach/reports/{notice.source_id}"] = response_bytes(Page(body))
    if copy.me_site is not None:
        site, p = copy.me_site, copy.me_site.prefix
        pages[p + me.VIEWER_LIST_PATH] = response_bytes(Page(site.list_page().encode()))
        for notice in site.notices:
            path = f"{me.VIEWER_DIR}/{notice.uuid}.html"
            pages[p + path] = response_bytes(Page(site.detail_page(notice).encode()))
    if copy.rankiteo is not None:
        site, p = copy.rankiteo, copy.rankiteo.prefix
        for path in ("/robots.txt", "/sitemap.xml", "/sitemap-posts.xml", "/sitemap-pages.xml",
                     "/sitemap-tags.xml"):  # fmt: skip
            pages[p + path] = response_bytes(site.handle(path, {}))
        for post in site.posts:
            body = aggregators.render_rankiteo_post(post).encode()
            pages[p + post.path] = pages[p + post.path.rstrip("/")] = response_bytes(Page(body))
    return pages


NOT_FOUND = response_bytes(Page(b"<html><body><h1>Not Found</h1></body></html>", status=404))


class FastServer(asyncio.Protocol):
    """HTTP/1.1 GET from a dict of pre-rendered responses, keep-alive, pipelining-safe."""

    pages: ClassVar[dict[str, bytes]] = {}
    served = 0
    missing: ClassVar[list[str]] = []

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            line = head.split(b"\r\n", 1)[0].split(b" ")
            path = line[1].decode("latin-1") if len(line) > 1 else "/"
            body = FastServer.pages.get(path)
            if body is None:
                FastServer.missing.append(path)
                body = NOT_FOUND
            FastServer.served += 1
            self.transport.write(body)


async def serve_fast(pages: dict[str, bytes], port: int = 0, ready=None):
    FastServer.pages = pages
    loop = asyncio.get_running_loop()
    server = await loop.create_server(FastServer, "127.0.0.1", port, backlog=512)
    port = server.sockets[0].getsockname()[1]
    if ready:
        ready(port)
    async with server:
        await server.serve_forever()


# --- Measuring a server alone -----------------------------------------------------------------
async def _client(host: str, port: int, paths: list[str], concurrency: int) -> float:
    """Fetch `paths` over `concurrency` keep-alive connections; returns seconds."""
    queue = list(reversed(paths))

    async def worker():
        reader, writer = await asyncio.open_connection(host, port)
        while queue:
            path = queue.pop()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def request_mix(pages: dict, requests: int) -> list[str]:
    """A crawl's page mix for timing a server alone: CA detail pages, spread over the copy,
    with one list page per 50 of them."""
    details = [k for k in pages if "/reports/" in k]
    lists = [k for k in pages if "/databreach/list" in k and "export" not in k]
    step = max(1, len(details) // requests)
    mix = []
    for i, path in enumerate(details[::step][:requests]):
        mix.append(path)
        if i % 50 == 0:
            mix.append(lists[(i // 50) % len(lists)])
    return mix


def measure(ca_count: int, me_count: int, requests: int, concurrency: int = 32) -> dict:
    """Requests/s of PortalServer and of the pre-rendered server, each serving a mix of
    list and detail pages (the crawl's mix: 1 list page per 50 detail pages)."""
    import multiprocessing as mp

    copy = build_copy(ca_count, me_count, rankiteo=False)
    started = time.perf_counter()
    pages = prerender(copy)
    render_s = time.perf_counter() - started
    mix = request_mix(pages, requests)
    result = {"ca_notices": ca_count, "render_all_s": round(render_s, 1),
              "pages": len(pages), "requests": len(mix), "concurrency": concurrency}  # fmt: skip

    # PortalServer in its own process (so the client does not share its GIL).
    def run_portal(q):
        server = PortalServer(copy.sites).start()
        q.put(server.httpd.server_address[1])
        threading.Event().wait()

    def run_fast(q):
        asyncio.run(serve_fast(pages, ready=q.put))

    ctx = mp.get_context("fork")
    for label, target in (("portalserver", run_portal), ("prerendered", run_fast)):
        q = ctx.Queue()
        proc = ctx.Process(target=target, args=(q,), daemon=True)
        proc.start()
        port = q.get(timeout=120)
        seconds = asyncio.run(_client("127.0.0.1", port, mix, concurrency))
        proc.kill()
        proc.join()
        result[f"{label}_req_per_s"] = round(len(mix) / seconds)
    return result


def copy_counts(copy, pages: dict) -> dict:
    """What a served copy holds: the figures a server prints after READY."""
    return {
        "ca_notices": len(copy.ca_site.notices),
        "ca_list_pages": copy.ca_site.last_page + 1,
        "me_notices": len(copy.me_site.notices) if copy.me_site else 0,
        "rankiteo_posts": len(copy.rankiteo.posts) if copy.rankiteo else 0,
        "bytes": sum(map(len, pages.values())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("serve", "measure"))
    parser.add_argument("--ca", type=int, default=10_000, help="CA notices")
    parser.add_argument("--me", type=int, default=None, help="Maine notices (default CA/5)")
    parser.add_argument("--no-rankiteo", action="store_true")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--requests", type=int, default=3000, help="for measure")
    args = parser.parse_args()
    me_count = args.ca // 5 if args.me is None else args.me
    if args.command == "measure":
        import json

        print(json.dumps(measure(args.ca, me_count, args.requests)))
        return
    copy = build_copy(args.ca, me_count, rankiteo=not args.no_rankiteo)
    pages = prerender(copy)
    counts = copy_counts(copy, pages)
    del copy

    def ready(port):
        import json

        print(f"READY http://127.0.0.1:{port} {json.dumps(counts)}", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_fast(pages, args.port, ready))


if __name__ == "__main__":
    main()
