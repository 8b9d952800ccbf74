"""The bundled offline demo: which local sites to serve and which spiders crawl them."""

from crawler.runner import Job
from localportal import ca


# Where each spider's site is mounted on the demo server.
SITE_PREFIXES = {"ca_ag": "/ca"}


def demo_sites_and_jobs() -> tuple[list, list]:
    """(sites, jobs-without-base_url): the demo portal's sites and the crawls to run."""
    sites = [ca.demo_site(count=300, prefix="/ca")]
    jobs = [Job("ca_ag", {"mode": "nightly"})]
    return sites, jobs
