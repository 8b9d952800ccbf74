# ruff: noqa: T201  (a command-line script: it reports on the terminal)
"""Crawl every real notice of the local copy into a database, with the real spiders.

The demo (`scrapy demo`) serves only a sample of the CA export; this serves all of it (every
row of the CA export in localportal/data) plus the Maine viewer and both Maine archive
workbooks, runs the production spiders in backfill mode against 127.0.0.1, and so stores
every real row through the real pipelines (clean, store, dedupe). Used for
`scrapy check_incidents` on the full data (eval/README.md).

Run: .venv/bin/python eval/crawl_real.py data/real.db
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):  # "--help" is not a database path
        sys.exit("usage: eval/crawl_real.py DB_PATH")
    db_path = Path(sys.argv[1]).resolve()
    if db_path.exists():
        sys.exit(f"{db_path} exists: give a new path (real rows are never mixed with others)")
    os.environ["BREACH_DB_PATH"] = str(db_path)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.runner import Job, run_ids_of, run_jobs, run_rows, summary_table
    from localportal import ca, me
    from localportal.demo import SITE_PREFIXES
    from localportal.server import PortalServer

    settings = get_project_settings()
    settings.set("LOG_LEVEL", "WARNING")
    settings.set("BREACH_DB_PATH", str(db_path))
    ca_site = ca.CASite(ca.build_notices(ca.load_real_rows()), prefix=SITE_PREFIXES["ca_ag"])
    me_site = me.demo_site(count=0, prefix=SITE_PREFIXES["me_ag_archive"])
    jobs = [Job("ca_ag", {"mode": "backfill"}), Job("me_ag_archive", {"mode": "backfill"})]
    process = CrawlerProcess(settings)
    with PortalServer([ca_site, me_site]) as server:
        for job in jobs:
            job.args["base_url"] = server.base_url(SITE_PREFIXES[job.spider])
        crawlers = run_jobs(process, jobs)
    print(summary_table(run_rows(str(db_path), run_ids_of(crawlers))))


if __name__ == "__main__":
    main()
