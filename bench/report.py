"""The Markdown sections of bench/RESULTS.md, from bench/runner.py's figures."""

import json
from pathlib import Path


def fmt(x, digits=1):
    return "-" if x is None else f"{x:,.{digits}f}"


def setup(args, settings) -> list[str]:
    pipelines = ", ".join(k.rsplit(".", 1)[1] for k, _ in
                          sorted(settings.ITEM_PIPELINES.items(), key=lambda kv: kv[1]))  # fmt: skip
    server = (
        f"bench/realistic.py (a thread per connection, HTTP/1.0 with `Connection: close`, "
        f"{args.server_ms:g} ms of server time per page, listen backlog 256)"
        if args.server == "realistic"
        else "bench/portal.py (pre-rendered, asyncio, keep-alive: answers in microseconds)"
    )
    return [
        f"- Server: {server}, in its own process.",
        f"- Full crawl: `scrapy crawl <spider> -a mode=backfill -a base_url=<copy>`, pipelines "
        f"{pipelines}, extension RunLog, SQLite (WAL), FEEDS jsonl archive on; "
        "`LOG_LEVEL=WARNING`. Bare crawl: bench/bare_spider.py, the same pages with the same "
        "concurrency (CONCURRENT_REQUESTS 32, 16 per domain, no delay, no AutoThrottle, no "
        "robots.txt). Bare and full crawls of a source run back to back (order alternating "
        f"between repetitions), {args.repeat} time(s); the tables show the median run "
        "(of an even number, the faster of the middle two).",
        "- Command: `bench/run " + " ".join(getattr(args, "argv", [])) + "`",
        "",
    ]


def server(s: dict) -> list[str]:
    return [
        "## The server alone",
        "",
        f"{s['requests']:,} requests (CA detail pages and 1 list page per 50), {s['concurrency']} "
        f"at a time, a new connection each: **{s['req_per_s']:,} requests/s** "
        f"(ceiling at {s['server_ms']:g} ms a page: {s['ceiling_req_per_s'] or '-':,}). "
        "A crawl at 16 per domain can get at most half that ceiling from it.",
        "",
    ]


def crawls(args, results: dict, sources, median_run) -> list[str]:
    lines = [
        "## Bare Scrapy vs our full crawl (backfill of the whole copy)",
        "",
        "Each source's full crawl goes into a fresh database (the crawl into a database that "
        "already holds the CA copy is the next section).",
        "",
    ]
    for size, r in results.items():
        c = r["counts"]
        lines += [
            f"### Copy of {size:,} CA notices ({c['ca_list_pages']} list pages), "
            f"{c['me_notices']:,} Maine notices, {c['rankiteo_posts']:,} Rankiteo posts",
            "",
            "| source | crawl | requests | notices | wall (s) | crawl time (s) | pages/s | CPU (s) "
            "| peak RSS (MB) | load |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        ratios = []
        for _, spider in sources:
            pairs = r["runs"].get(spider)
            if not pairs:
                continue
            for label in ("bare", "full"):
                x = median_run(pairs, label)
                el = x["elapsed"] or x["wall"]
                lines.append(
                    f"| {spider} | {label} | {x['requests']:,} | {x['items'] or '-'} "
                    f"| {fmt(x['wall'])} | {fmt(el)} | {fmt(x['requests'] / el, 0)} "
                    f"| {fmt(x['cpu'])} | {fmt(x['rss_mb'], 0)} | {x['load']:.2f} |"
                )
            if spider == "ca_ag" and r.get("ca_list_first"):
                x = r["ca_list_first"]
                el = x["elapsed"] or x["wall"]
                lines.append(
                    f"| ca_ag | full, list-first (BREACH_LIST_FIRST=1) | {x['requests']:,} "
                    f"| {x['items'] or '-'} | {fmt(x['wall'])} | {fmt(el)} "
                    f"| {fmt(x['requests'] / el, 0)} | {fmt(x['cpu'])} | {fmt(x['rss_mb'], 0)} "
                    f"| {x['load']:.2f} |"
                )
            each = [p["full"]["wall"] / p["bare"]["wall"] for p in pairs]
            b, f = median_run(pairs, "bare"), median_run(pairs, "full")
            ratios.append(
                f"| {spider} | **{f['wall'] / b['wall']:.2f}x** | "
                f"{(f['elapsed'] or 0) / (b['elapsed'] or 1):.2f}x | {f['cpu'] / b['cpu']:.2f}x "
                f"| {', '.join(f'{x:.2f}' for x in each)} |"
            )
        lines += ["", "| source | full / bare, wall | crawl time | CPU | each repetition (wall) |",
                  "|---|---:|---:|---:|---|", *ratios, ""]  # fmt: skip
    lines += [
        "Wall = the whole process (Python start-up, imports, opening the database included); "
        "crawl time = Scrapy's `elapsed_time_seconds`; CPU = user + system time of the "
        "crawling process (the server runs in another process); load = the 1-minute load "
        "average around the crawl.",
        "",
    ]
    if any("nightly" in r for r in results.values()):
        lines += [
            "## Nightly re-run of the unchanged copy",
            "",
            "Same database, right after the backfill, `-a mode=nightly`:",
            "",
            "| copy (CA notices) | source | requests | notices re-read | wall (s) | crawl time (s) |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        for size, r in results.items():
            for spider, n in r.get("nightly", {}).items():
                lines.append(f"| {size:,} | {spider} | {n['requests']} | {n['items']} "
                             f"| {fmt(n['wall'])} | {fmt(n['elapsed'], 2)} |")  # fmt: skip
        lines.append("")
    lines += into_ca_db(results, median_run)
    lines += stages(results, median_run)
    for size, r in results.items():
        for spider, (rows, css) in r.get("profile", {}).items():
            lines += [
                f"## Where the time goes: {spider} (py-spy)",
                "",
                f"py-spy record at 100 Hz of `scrapy crawl {spider} -a mode=backfill` on the "
                f"{size:,}-notice copy; each sample charged to the innermost frame of our code "
                "on its stack (parsel and lxml called by a page parser count as parsing):",
                "",
                "| stage | share |",
                "|---|---:|",
                *[f"| {label} | {share:.1f}% |" for label, share in rows],
                "",
                f"Inside parsel's CSS-to-XPath translation (cssselect): {css:.1f}% of samples.",
                "",
            ]
    return lines


def live(r: dict, path: Path) -> list[str]:
    if r["rc"] != 0 or not path.exists():
        return ["## Live backfill time model", "", f"bench/live.py failed (exit {r['rc']}):",
                "", "```", r["out"][-1500:], "```", ""]  # fmt: skip
    data = json.loads(path.read_text())
    return ["## Live backfill time model", "", *data["markdown"], ""]


def dedupe(r: dict, out: Path, sizes: list[str]) -> list[str]:
    lines = ["## Dedupe rebuild (bench/bench_dedupe.py)", ""]
    if r["rc"] == 0 and out.exists():
        table = [ln for ln in out.read_text().splitlines() if ln.startswith("|")]
        return [*lines, f"`bench/bench_dedupe.py --sizes {' '.join(sizes)}` "
                f"({r['wall']:.0f} s in all):", "", *table, ""]  # fmt: skip
    return [*lines, f"bench/bench_dedupe.py failed (exit {r['rc']}):", "", "```",
            r["out"][-1500:], "```", ""]  # fmt: skip


def export(ex: dict | None) -> list[str]:
    lines = ["## `scrapy export`", ""]
    if ex is None:
        return [*lines, "Pending: `scrapy export` does not exist yet.", ""]
    lines += [
        f"Database filled by direct inserts: {ex['incidents']['n']:,} incidents, "
        f"{ex['notices']['n']:,} notices linked to them (real CA names, 1-3 notices each). "
        "`scrapy export --kind K --since 2000-01-01 -o FILE`, the whole table:",
        "",
        "| kind | rows | CSV (MB) | wall (s) | CPU (s) | peak RSS (MB) | exit |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in ("incidents", "notices"):
        x = ex[kind]
        lines.append(f"| {kind} | {x['rows']:,} | {x['mb']:.1f} | {x['wall']:.2f} | "
                     f"{x['cpu']:.2f} | {x['rss_mb']:.0f} | {x['rc']} |")  # fmt: skip
    s = ex["startup"]
    return [
        *lines,
        "",
        f"For reference, `scrapy version` (start-up alone) takes {s['wall']:.2f} s.",
        "",
    ]


def into_ca_db(results: dict, median_run) -> list[str]:
    """Maine and Rankiteo backfilled into a copy of the CA crawl's database."""
    rows = []
    for size, r in results.items():
        big = r.get("into_ca_db")
        if not big:
            continue
        stored = big["stored_before"]
        for spider, x in big.items():
            if spider == "stored_before":
                continue
            b = median_run(r["runs"][spider], "bare")
            f = median_run(r["runs"][spider], "full")
            rows.append(
                f"| {size:,} | {spider} | {stored:,} | {x['items'] or '-'} | {fmt(x['wall'])} "
                f"| **{x['wall'] / b['wall']:.2f}x** | {fmt(x['cpu'])} | {x['cpu'] / b['cpu']:.2f}x "
                f"| {fmt(f['wall'])} | {fmt(x['rss_mb'], 0)} | {x['load']:.2f} |"
            )
            stored += x["items"] or 0
    memory = [
        f"| {size:,} | me_ag | {m['stored_before']:,} | {m['items'] or '-'} | {fmt(m['wall'])} "
        f"| - | {fmt(m['cpu'])} | - | - | **{fmt(m['rss_mb'], 0)}** | {m['load']:.2f} |"
        for size, r in results.items()
        if (m := r.get("memory"))
    ]
    if not rows and not memory:
        return []
    note = []
    if memory:
        note = [
            "The last row is bench/memory.py's case, the memory target's hardest: a Maine copy as "
            "big as the CA copy (its first Maine notices are the stored ones) backfilled into "
            "the database the rows above leave; its own copy is served, so no bare crawl to "
            "compare with. Peak RSS target: under 400 MB.",
            "",
        ]
    return [
        "## Into a database that already holds the CA copy",
        "",
        "The same full crawls of Maine, then Rankiteo, into a copy of the CA crawl's database "
        "(incidents are matched against every stored notice). Ratios against the same bare "
        "crawl as above.",
        "",
        "| copy (CA notices) | source | notices already stored | notices | wall (s) "
        "| vs bare, wall | CPU (s) | vs bare, CPU | wall into a fresh db (s) | peak RSS (MB) | load |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        *memory,
        "",
        *note,
    ]


def notices_of(r: dict, spider: str) -> int:
    counts = r["counts"]
    return {"ca_ag": counts["ca_notices"], "me_ag": counts["me_notices"]}.get(
        spider, counts["rankiteo_posts"]
    )


def stages(results: dict, median_run) -> list[str]:
    """bench/stages.py: the full crawl with its stages switched on one at a time."""
    lines = []
    for r in results.values():
        for spider, variants in r.get("stages", {}).items():
            b = median_run(r["runs"][spider], "bare")
            f = median_run(r["runs"][spider], "full")
            rows = [{"label": "bare Scrapy (bench/bare_spider.py)", **b}, *variants,
                    {"label": "+ feed (FEEDS jsonl): the full crawl", **f}]  # fmt: skip
            gap = f["cpu"] - b["cpu"]
            lines += [
                f"## What each stage costs: {spider}, {notices_of(r, spider):,} notices",
                "",
                "bench/stages.py: the real crawl with its stages switched on one at a time, each "
                "into a fresh database (one run each; bare and full are the median runs above). "
                "The added CPU of a row is its cost; the last column is its share of what the "
                "full crawl costs beyond the bare crawl.",
                "",
                "| crawl | wall (s) | vs bare | CPU (s) | added CPU (s) | share of the gap | "
                "peak RSS (MB) |",
                "|---|---:|---:|---:|---:|---:|---:|",
            ]
            previous = None
            for x in rows:
                if x.get("baseline"):  # beside the table's chain, not a step of it
                    lines.append(f"| {x['label']} | {fmt(x['wall'])} | {x['wall'] / b['wall']:.2f}x "
                                 f"| {fmt(x['cpu'])} | {x['cpu'] - b['cpu']:+.1f} vs bare |  | {fmt(x['rss_mb'], 0)} |")  # fmt: skip
                    continue
                added = "" if previous is None else f"{x['cpu'] - previous:+.1f}"
                share = (
                    ""
                    if previous is None or gap <= 0
                    else f"{100 * (x['cpu'] - previous) / gap:.0f}%"
                )
                lines.append(
                    f"| {x['label']} | {fmt(x['wall'])} | {x['wall'] / b['wall']:.2f}x "
                    f"| {fmt(x['cpu'])} | {added} | {share} | {fmt(x['rss_mb'], 0)} |"
                )
                previous = x["cpu"]
            lines.append("")
    return lines
