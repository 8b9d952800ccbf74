"""`scrapy demo`: serve the bundled copy of the portals on 127.0.0.1 and crawl it for real.

Everything is offline: the portal pages are rendered from the real data bundled under
localportal/data (served on 127.0.0.1:8000 when free), the spiders are the production spiders pointed at the local copy with
`base_url`, and the notices land in the real database (BREACH_DB_PATH, data/breaches.db).
"""

import json
import sqlite3
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.runner import exit_code, run_ids_of, run_jobs, run_rows, summary_table
from crawler.spiders.base import is_loopback


def live_runs(db_path) -> int:
    """How many crawls in the database at `db_path` were of live sites (not loopback)."""
    if not Path(db_path).exists():
        return 0
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        urls = [row[0] for row in conn.execute("select base_url from crawl_runs")]
    except sqlite3.OperationalError:
        urls = []
    finally:
        conn.close()
    return sum(1 for url in urls if url and not is_loopback(url))


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}  # noqa: RUF012 (Scrapy's own attribute name)

    def short_desc(self) -> str:
        return "Crawl the bundled offline copy of the portals into the database"

    def run(self, args, opts) -> None:
        # Imported here, not at module level: Scrapy imports every command at start-up.
        from localportal.demo import DEMO_PORT, SITE_PREFIXES, demo_sites_and_jobs
        from localportal.server import PortalServer

        db_path = self.settings.get("BREACH_DB_PATH")
        live = live_runs(db_path)
        if live:
            # The demo copy has synthetic CA ids and Maine UUIDs: never mix it with real data.
            print(f"{db_path} holds {live} crawl(s) of live portals; the demo will not write "
                  "into it. Run it with BREACH_DB_PATH=data/demo.db instead.", file=sys.stderr)  # fmt: skip
            self.exitcode = 2
            return
        sites, jobs = demo_sites_and_jobs()
        try:
            server = PortalServer(sites, port=DEMO_PORT)
        except OSError:  # taken (e.g. by `python -m localportal.serve`): any free port
            server = PortalServer(sites)
            print(f"Port {DEMO_PORT} is taken: serving on another port.")
        with server:
            print(f"Serving the demo portal at {server.root}")
            for job in jobs:
                job.args["base_url"] = server.base_url(SITE_PREFIXES[job.spider])
            crawlers = run_jobs(self.crawler_process, jobs)
        print(summary_table(run_rows(db_path, run_ids_of(crawlers))))
        conn = sqlite3.connect(db_path)
        notices = conn.execute("select count(*) from notices").fetchone()[0]
        incidents, multi_source = conn.execute(
            "select count(*), coalesce(sum(source_count > 1), 0) from incidents"
        ).fetchone()
        examples = conn.execute(
            "select display_name, breach_start, sources from incidents "
            "where source_count > 2 order by notice_count desc, id limit 3"
        ).fetchall()
        conn.close()
        print(f"\n{notices} notices stored in {db_path}, in {incidents} incidents "
              f"({multi_source} reported by more than one source). For example:")  # fmt: skip
        for name, start, sources in examples:
            print(f"  {name} (breach from {start}): {', '.join(json.loads(sources))}")
        self.exitcode = exit_code(crawlers)
