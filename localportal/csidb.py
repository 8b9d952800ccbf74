"""A local copy of CSIDB (prefix "/csidb"); see localportal/aggregators.py."""

import re
import uuid
from dataclasses import dataclass, field

from localportal.aggcommon import (
    _UUID_NAMESPACE,
    REAL,
    E,
    _breach_days,
    _day,
    _html,
    _long,
)
from localportal.server import Page


@dataclass
class CsidbIncident:
    uuid: str
    name: str
    org_uuid: str
    month: str  # "Jul 2023"
    summary: str
    description: list[str]
    location: str = "United States of America"


@dataclass
class CsidbOrganisation:
    uuid: str
    name: str
    incident_uuids: list[str] = field(default_factory=list)
    website: str | None = None


class CsidbSite:
    """CSIDB's public incident and organisation pages, under `prefix`."""

    def __init__(
        self,
        incidents: list[CsidbIncident],
        organisations: list[CsidbOrganisation],
        prefix: str = "/csidb",
    ):
        self.incidents = {i.uuid: i for i in incidents}
        self.organisations = {o.uuid: o for o in organisations}
        self.prefix = prefix
        # Incidents shown to members only: anonymous requests are redirected to the login form.
        self.gated: set[str] = set()

    def handle(self, path: str, query: dict) -> Page | None:
        if path == "/robots.txt":
            return Page(b"User-agent: *\nDisallow: /accounts/\n", content_type="text/plain")
        if path.startswith("/accounts/"):
            return _html(_csidb_frame("Login", '<h1>Log in</h1><form method="post"></form>'))
        if path.startswith(("/csidb/sr/", "/csidb/advsearch/")):
            return _redirect(f"/accounts/login/?next={path}")
        if match := re.fullmatch(r"/csidb/(?:incidents|organisations)/[0-9a-f-]{36}", path):
            return _redirect(path + "/", status=301)  # Django's APPEND_SLASH
        if match := re.fullmatch(r"/csidb/incidents/([0-9a-f-]{36})/", path):
            if match[1] in self.gated:
                return _redirect(f"/accounts/login/?next={path}")
            incident = self.incidents.get(match[1])
            return _html(render_csidb_incident(incident, self)) if incident else None
        if match := re.fullmatch(r"/csidb/organisations/([0-9a-f-]{36})/", path):
            organisation = self.organisations.get(match[1])
            return _html(render_csidb_organisation(organisation, self)) if organisation else None
        return None


def _redirect(location: str, status: int = 302) -> Page:
    """A redirect as Django sends it: a root-relative live path in Location."""
    return Page(b"", status=status, headers={"Location": location})


def _csidb_frame(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{E(title)} - The Cyber Security Incident Database (CSIDB)</title></head>
<body><nav class="navbar"><a class="navbar-brand" href="/">CSIDB</a>
<a class="nav-link" href="/csidb/sr/i/">INCIDENTS</a> <a class="nav-link" href="/csidb/sr/o/">ORGANISATIONS</a>
<a class="nav-link" href="/csidb/advsearch/i/">Advanced search</a> <a class="nav-link" href="/accounts/login/">Login</a></nav>
<main class="container">
{body}
</main></body></html>
"""


def render_csidb_incident(incident: CsidbIncident, site: CsidbSite) -> str:
    paragraphs = [f"<p>{E(p)}</p>" for p in incident.description]
    paragraphs.insert(1, '<img src="/media/incident.png" alt="Cyber Incident Image">')
    body = f"""<h1>Cyber Incident Victim: <a class="link-info" href="/csidb/organisations/{incident.org_uuid}/">{E(incident.name)}</a></h1>
<dl class="row"><dt class="col-sm-2">Date:</dt><dd class="col-sm-10">{E(incident.month)}</dd>
<dt class="col-sm-2">Location:</dt><dd class="col-sm-10"><span class="flag-icon flag-icon-us"></span> {E(incident.location)}</dd></dl>
<h5>Summary</h5>
<p>{E(incident.summary)}</p>
<table class="table"><tr><th>CIA Posture</th><th>Motives</th><th>Tactics, Techniques &amp; Procedures</th></tr>
<tr><td>Available to members</td><td>1 motive</td><td>1 technique</td></tr></table>
<table class="table"><tr><th>Threat Actors</th><th>Type</th><th>Location</th></tr>
<tr><td>0 actors</td><td>Available to members</td><td>Available to members</td></tr></table>
<h5>Description</h5>
{chr(10).join(paragraphs)}
<h5>Sources</h5>
<p>Sources available to members</p>"""
    return _csidb_frame(incident.name, body)


def render_csidb_organisation(organisation: CsidbOrganisation, site: CsidbSite) -> str:
    rows = "".join(
        f'<tr><td><a class="link-primary" href="/csidb/incidents/{u}/">{E(site.incidents[u].name)}</a></td>'
        f"<td>{E(site.incidents[u].month)}</td></tr>"
        for u in organisation.incident_uuids
        if u in site.incidents
    )
    website = (
        f'<p>Website: <a href="{E(organisation.website)}">{E(organisation.website)}</a></p>'
        if organisation.website
        else ""
    )
    body = f"""<h1>{E(organisation.name)}</h1>
{website}
<table class="table"><thead><tr><th>Incident</th><th>Date</th></tr></thead><tbody>{rows}</tbody></table>
<p><a href="/csidb/sr/i/?page=2">More (members only)</a></p>"""
    return _csidb_frame(organisation.name, body)


DANBURY_INCIDENT = "caae3513-841b-4455-83fc-045fe2c50e16"  # the real page's id
DANBURY_ORGANISATION = "5b0e4c1e-2f6a-4d0b-9a57-3c1f8e6d2a90"  # invented


def real_danbury_incident() -> CsidbIncident:
    """The real Danbury page's text (a Maine notice retold: 9,607 total, 7 Maine)."""
    text = (REAL / "csidb-danbury-public-schools.txt").read_text()
    lines = [line for line in text.splitlines() if line]
    description = lines[lines.index("Description") + 1 : lines.index("Sources")]
    return CsidbIncident(
        uuid=DANBURY_INCIDENT,
        name="Danbury Public Schools",
        org_uuid=DANBURY_ORGANISATION,
        month=lines[lines.index("Date:") + 1],
        summary=lines[lines.index("Summary") + 1],
        description=[p for p in description if p != "Cyber Incident Image"],
        location=lines[lines.index("Location:") + 1],
    )


_STATE_NAMES = {"ME": "Maine", "CA": "California", "MA": "Massachusetts", "NH": "New Hampshire",
                "VT": "Vermont", "NY": "New York", "TX": "Texas"}  # fmt: skip


def _csidb_prose(notice: dict, variant: int) -> tuple[str, list[str]]:
    """Summary and Description retelling a notice, in one of two phrasings."""
    entity = notice["entity"]
    breach = _breach_days(notice)
    state = notice.get("state", "ME")
    state_name = _STATE_NAMES.get(state, state)
    total, residents = notice.get("total"), notice.get("residents")
    discovered = _day(notice["discovered_date"]) if notice.get("discovered_date") else None
    notified = _day(notice["notification_date"]) if notice.get("notification_date") else None
    sentences = []
    if breach:
        sentences.append(
            f"On or around {_long(breach[0])}, {entity} experienced an external system breach."
            if variant == 0
            else f"{entity} suffered a cyber incident that occurred on {_long(breach[0])}."
        )
    else:
        sentences.append(f"{entity} experienced an external system breach.")
    if discovered:
        sentences.append(
            f"The breach was identified on {_long(discovered)}."
            if variant == 0
            else f"On {_long(discovered)}, the organization discovered the unauthorized access."
        )
    if total is not None:
        sentences.append(f"The total number of persons affected was {int(total):,}.")
    if residents is not None:
        sentences.append(
            f"Of these, {int(residents):,} were {state_name} residents."
            if variant == 0
            else f"Among them, {int(residents):,} individuals were residents of the state of {state_name}."
        )
    if notified:
        sentences.append(
            f"Written notification letters were mailed to consumers on {_long(notified)}."
        )
    sentences.append(
        f"The breach notification was submitted to the Office of the {state_name} Attorney General."
    )
    summary = f"{entity} experienced a cyber incident involving unauthorized access to personal information."
    return summary, [" ".join(sentences[:3]), " ".join(sentences[3:])]


def retold_csidb_incident(
    notice: dict, variant: int = 0
) -> tuple[CsidbIncident, CsidbOrganisation]:
    """An incident page (and its organisation) retelling a state notice.

    Args:
        notice: `entity`; `breach_date` (or `breach_dates`), optional `discovered_date`,
            `notification_date` (MM/DD/YYYY or YYYY-MM-DD); optional `total`, `residents`
            and `state` (two letters, default "ME").
        variant: picks one of two phrasings of the prose.
    """
    breach = _breach_days(notice)
    key = f"{notice['entity']}|{breach[0] if breach else ''}"
    incident_uuid = str(uuid.uuid5(_UUID_NAMESPACE, "incident|" + key))
    org_uuid = str(uuid.uuid5(_UUID_NAMESPACE, "organisation|" + notice["entity"]))
    summary, description = _csidb_prose(notice, variant % 2)
    month = f"{breach[0]:%b %Y}" if breach else notice.get("month", "Jan 2024")
    incident = CsidbIncident(incident_uuid, notice["entity"], org_uuid, month, summary, description)
    return incident, CsidbOrganisation(org_uuid, notice["entity"], [incident_uuid])


def build_csidb_site(
    retold: list[dict] | None = None, prefix: str = "/csidb", defaults: bool = True
) -> CsidbSite:
    """The CSIDB copy: retold notices, plus (with `defaults`) the real Danbury incident and
    its organisation page."""
    incidents, organisations = [], {}
    for i, notice in enumerate(retold or []):
        incident, organisation = retold_csidb_incident(notice, i)
        incidents.append(incident)
        known = organisations.setdefault(organisation.uuid, organisation)
        if known is not organisation:
            known.incident_uuids.append(incident.uuid)
    if defaults:
        incidents.append(real_danbury_incident())
        organisations[DANBURY_ORGANISATION] = CsidbOrganisation(
            DANBURY_ORGANISATION, "Danbury Public Schools", [DANBURY_INCIDENT],
            website="https://www.danbury.k12.ct.us",
        )  # fmt: skip
    return CsidbSite(incidents, list(organisations.values()), prefix=prefix)


def csidb_seed_paths(site: CsidbSite) -> list[str]:
    """Organisation page paths of a site: seeds for `-a urls=` in demos and tests."""
    return [f"/csidb/organisations/{u}/" for u in site.organisations]
