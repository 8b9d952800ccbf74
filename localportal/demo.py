"""The bundled offline demo: which local sites to serve and which spiders crawl them.

The copy is built from real data so that the sources overlap as they do in life:
- California: the 150 newest notices of the real CSV export, plus every notice reported
  between 15 July and 15 September 2020, the window of the Maine copy;
- Maine: the 100 newest notices of the real 2018-2020 archive workbook as viewer pages, and
  both real archive workbooks on the archives page;
- Rankiteo and CSIDB: pages retelling a few of those CA and Maine notices (with a link back
  to the CA notice where Rankiteo gives one), plus the two real example pages.
So the same breach appears in CA, in Maine and on an aggregator, and deduplication has real
work to do.
"""

from datetime import datetime

from crawler import sources
from crawler.runner import Job
from localportal import aggregators, ca, me

# The demo serves its copy here when the port is free (else on any free port); the same
# default as `python -m localportal.serve`. Run history of a local copy is found by its path
# prefix whatever the port (crawler/spiders/base.py, site_key).
DEMO_PORT = 8000
SITE_PREFIXES = {
    "ca_ag": "/ca",
    "me_ag": "/me",
    "me_ag_archive": "/me",
    "agg_rankiteo": "/rankiteo",
    "agg_csidb": "/csidb",
}
MAINE_WINDOW = (datetime(2020, 7, 15), datetime(2020, 9, 15))
# Real notices filed with both states in that window, retold by the aggregators.
RANKITEO_RETELLS = ("LiveAuctioneers, LLC", "Nutranext, LLC", "Osmose Utilities Services, Inc.")
CSIDB_RETELLS = ("Bok Tower Gardens, Inc.", "Diesel Direct, Inc.")


def _in_window(row: dict) -> bool:
    reported = datetime.strptime(row["reported"], "%m/%d/%Y")
    return MAINE_WINDOW[0] <= reported <= MAINE_WINDOW[1]


def ca_demo_site() -> ca.CASite:
    rows = ca.load_real_rows()
    chosen = rows[:150] + [r for r in rows[150:] if _in_window(r)]
    return ca.CASite(ca.build_notices(chosen), prefix=SITE_PREFIXES["ca_ag"])


def rankiteo_retold(ca_site: ca.CASite) -> list[dict]:
    retold = []
    for notice in ca_site.notices:
        if notice.name in RANKITEO_RETELLS and notice.breach_dates:
            retold.append({
                "entity": notice.name,
                "breach_dates": notice.breach_dates,
                "reported_date": notice.reported,
                "notice_url": f"https://oag.ca.gov/ecrime/databreach/reports/{notice.source_id}",
            })  # fmt: skip
    return retold


def csidb_retold(me_site: me.MaineSite) -> list[dict]:
    retold = []
    for notice in me_site.notices:
        if notice.entity_name not in CSIDB_RETELLS:
            continue
        breach = dict(notice.breach)
        occurred = next((v for k, v in breach.items() if k.startswith("Date(s) Breach Occ")), None)
        retold.append({
            "entity": notice.entity_name,
            "breach_date": str(occurred).split("–")[0].split(" - ")[0].strip(),
            "discovered_date": breach.get("Date Breach Discovered"),
            "total": breach.get("Total number of persons affected (including residents)"),
            "residents": breach.get("Total number of Maine residents affected"),
            "state": "ME",
        })  # fmt: skip
    return retold


def demo_sites_and_jobs() -> tuple[list, list[Job]]:
    """(sites, jobs without base_url): the demo portal's sites and the crawls to run."""
    ca_site = ca_demo_site()
    me_site = me.demo_site(count=100, prefix=SITE_PREFIXES["me_ag"])
    rankiteo_site = aggregators.build_rankiteo_site(
        rankiteo_retold(ca_site), prefix=SITE_PREFIXES["agg_rankiteo"]
    )
    csidb_site = aggregators.build_csidb_site(
        csidb_retold(me_site), prefix=SITE_PREFIXES["agg_csidb"]
    )
    # Spider arguments a source needs for this copy, besides mode and base_url.
    extra = {"agg_csidb": {"urls": ",".join(aggregators.csidb_seed_paths(csidb_site))}}
    jobs = [
        # Every registered source with a local copy, in run order: its nightly, or its
        # backfill for a source without one (the closed Maine archive).
        Job(
            source.name,
            {"mode": "nightly" if source.nightly else "backfill", **extra.get(source.name, {})},
        )
        for source in sources.all_sources()
        if source.name in SITE_PREFIXES
    ]
    return [ca_site, me_site, rankiteo_site, csidb_site], jobs
