"""Serve the bundled copy of the portals on 127.0.0.1 until Ctrl-C.

    .venv/bin/python -m localportal.serve --port 8000

then, in another terminal, crawl any source from it, e.g.

    .venv/bin/scrapy crawl ca_ag -a mode=backfill -a base_url=http://127.0.0.1:8000/ca

Each source is served under its own prefix (`/ca`, `/me`, `/rankiteo`, `/csidb`), with the
same data as `scrapy demo`, whose default port this is too. A crawl of this copy and a demo
run share their local run history (kept per path prefix for a loopback copy).
"""

import argparse
import sys
import time

from localportal.demo import DEMO_PORT, SITE_PREFIXES, demo_sites_and_jobs
from localportal.server import PortalServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=DEMO_PORT, help=f"default {DEMO_PORT}")
    args = parser.parse_args(argv)
    sites, _ = demo_sites_and_jobs()
    try:
        server = PortalServer(sites, port=args.port)
    except OSError as error:
        print(f"cannot serve on 127.0.0.1:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    with server:
        print(f"Serving the bundled portals at {server.root} (Ctrl-C stops):", flush=True)
        for spider, prefix in SITE_PREFIXES.items():
            print(f"  {spider:14} -a base_url={server.base_url(prefix)}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
