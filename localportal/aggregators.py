"""Local copies of two aggregators that retell state notices: the Rankiteo blog and CSIDB.

Neither site was ever captured as HTML, so both are reconstructions from the real page texts
in localportal/data/aggregators/ and the page structure described below. They exist so the demo and end-to-end tests show one incident told by several sources.

- Rankiteo (prefix "/rankiteo"), a Ghost blog: `/sitemap.xml` (a sitemap index whose `<loc>`s
  are live absolute URLs, as Ghost writes them) -> `/sitemap-posts.xml` (`<loc>` + `<lastmod>`)
  -> `/<id>-<slug>/` post pages carrying the two data blocks (key/value lines and a `pprint`
  dict) either in `<pre><code>` or in plain `<p>` lines.
- CSIDB (prefix "/csidb"), a Django app whose own paths start with `/csidb/`:
  `/csidb/incidents/<uuid>/` and `/csidb/organisations/<uuid>/`; the member-only search and
  login pages exist and are linked from the navigation, so a crawl that strays is visible in
  `PortalServer.requests`.

Builders take "retold" notices as plain dicts (see `build_rankiteo_site`, `build_csidb_site`).
"""

# The copies live in localportal/rankiteo.py and localportal/csidb.py; this module keeps the
# one import path the demo, the tests and the benchmarks use for both.
from localportal.csidb import (
    DANBURY_INCIDENT,
    DANBURY_ORGANISATION,
    CsidbIncident,
    CsidbOrganisation,
    CsidbSite,
    build_csidb_site,
    csidb_seed_paths,
    real_danbury_incident,
    retold_csidb_incident,
)
from localportal.rankiteo import (
    RankiteoPost,
    RankiteoSite,
    build_rankiteo_site,
    multi_victim_post,
    real_mount_diablo_post,
    render_rankiteo_post,
    retold_rankiteo_post,
    vulnerability_post,
)

__all__ = [
    "DANBURY_INCIDENT",
    "DANBURY_ORGANISATION",
    "CsidbIncident",
    "CsidbOrganisation",
    "CsidbSite",
    "RankiteoPost",
    "RankiteoSite",
    "build_csidb_site",
    "build_rankiteo_site",
    "csidb_seed_paths",
    "multi_victim_post",
    "real_danbury_incident",
    "real_mount_diablo_post",
    "render_rankiteo_post",
    "retold_csidb_incident",
    "retold_rankiteo_post",
    "vulnerability_post",
]
