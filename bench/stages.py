"""What each stage of the full crawl costs: the crawl with its stages switched on one at a time.

A profile charges samples to frames; this measures the thing the targets are about, seconds of
the crawling process, by running the real crawl with fewer parts: no item pipeline and no feed
(the spider alone: fetching, page reading, building items through Scrapy's item machinery),
then with the clean and validate stages, then the store, then the dedupe stage (all
pipelines); the full crawl (with the FEEDS jsonl archive) and the bare crawl come from the
pairs of bench/runner.py. Each variant into a fresh database, against the same served copy.
"""

import json
from pathlib import Path

from crawls import bare, full, log

PIPELINES = (
    ("clean", "pipelines.clean.CleanPipeline", 200),
    ("validate", "pipelines.validate.ValidatePipeline", 400),
    ("store", "pipelines.store.StorePipeline", 900),
    ("dedupe", "pipelines.dedupe.DedupePipeline", 950),
)
# (label, how many of PIPELINES are on, in order)
VARIANTS = (
    ("spider alone (no pipeline, no feed)", 0),
    ("+ clean, validate", 2),
    ("+ store (SQLite)", 3),
    ("+ dedupe (incidents): every pipeline, no feed", 4),
)


def measure(copy, prefix: str, spider: str, tmp: Path) -> list[dict]:
    """Each variant's wall, CPU and peak RSS (one run each, a fresh database each)."""
    tmp.mkdir(parents=True, exist_ok=True)
    # How much cheaper Scrapy itself gets with our two process settings (crawler/gcfreeze.py,
    # WARN_ON_GENERATOR_RETURN_VALUE): part of every crawl of ours, none of the bare crawl's.
    r = bare(copy, prefix, tmp, extra=["--our-process-settings"])
    log(f"    bare with our process settings: {r['wall']:.1f}s wall, {r['cpu']:.1f}s CPU")
    results = [{"label": "bare Scrapy with our process settings (gc.freeze; no generator "
                "check)", "baseline": True, **{k: r[k] for k in ("wall", "cpu", "rss_mb", "load")}}]  # fmt: skip
    for number, (label, on) in enumerate(VARIANTS):
        pipelines = {path: order for _, path, order in PIPELINES[:on]}
        db = tmp / f"{spider}-{number}" / "breaches.db"
        db.parent.mkdir(parents=True)
        extra = ["-s", "ITEM_PIPELINES=" + json.dumps(pipelines)]
        r = full(copy, prefix, spider, db, "backfill", feeds=False, extra=extra)
        log(f"    {label}: {r['wall']:.1f}s wall, {r['cpu']:.1f}s CPU, {r['rss_mb']:.0f} MB")
        results.append({"label": label, **{k: r[k] for k in ("wall", "cpu", "rss_mb", "load")}})
    return results
