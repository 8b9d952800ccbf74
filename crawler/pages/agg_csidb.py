"""CSIDB incident pages (www.csidb.net/csidb/incidents/<uuid>/): page -> the notice's fields.

The public part of a page is a heading "Cyber Incident Victim: <name>" (the name links to
the organisation page), `Date:` at month precision ("Jul 2023"), `Location:` (a country), a
short Summary and a long Description rewritten from the state notice. The day-level dates,
the counts and the regulator are only in the Description's prose, so they are extracted
sentence by sentence, each with the role the sentence gives it (occurred / discovered /
notified / reported to a regulator) and with the sentence kept as evidence
(crawler/textparse/prose.py).
"""

import re
from dataclasses import dataclass, field

import lxml.html

from crawler.pages import UnknownPageError
from crawler.textparse.htmllines import page_lines
from crawler.textparse.prose import extract_facts

# --- The page ----------------------------------------------------------------------------------

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
INCIDENT_PATH = re.compile(rf"/csidb/incidents/(?P<uuid>{_UUID})/?", re.IGNORECASE)
ORGANISATION_PATH = re.compile(rf"/csidb/organisations/(?P<uuid>{_UUID})/?", re.IGNORECASE)
VICTIM_HEADING = "Cyber Incident Victim"
# Section headings of an incident page, as shown; a section runs until the next of these.
_SECTION_HEADINGS = ("summary", "description", "sources", "cia posture", "threat actors")
# Lines inside the Description that are captions, not prose.
_NOT_PROSE = re.compile(r"^(cyber incident image|image|figure)\b", re.IGNORECASE)


@dataclass
class CsidbIncident:
    name: str | None
    organisation_href: str | None
    date_text: str | None  # "Jul 2023"
    location: str | None
    summary: str | None
    description: list[str] = field(default_factory=list)  # paragraphs


_NEXT_LABEL = re.compile(r"\s+(?:Date|Location)\s*:", re.IGNORECASE)


def _label_value(lines: list[str], label: str) -> str | None:
    """The value of a `Label:` field: on the label's line or on the next one.

    A label starting a line wins; one inside a short line ("Date: Jul 2023 Location: ...")
    is the fallback, so prose that happens to say "location:" is not read as the field.
    """
    at_start = re.compile(rf"^{label}\s*:\s*(?P<value>.*)$", re.IGNORECASE)
    inside = re.compile(rf"\s{label}\s*:\s*(?P<value>.*)$", re.IGNORECASE)
    for pattern, longest in ((at_start, None), (inside, 120)):
        for i, line in enumerate(lines):
            if longest and len(line) > longest:
                continue
            if match := pattern.search(line):
                if match["value"]:
                    # Labels on one line: the value runs up to the next label.
                    return _NEXT_LABEL.split(match["value"])[0].strip()
                return lines[i + 1] if i + 1 < len(lines) else None
    return None


def _is_heading(line: str) -> bool:
    folded = line.casefold().rstrip(":")
    return (
        any(folded == h or folded.startswith(h + " ") for h in _SECTION_HEADINGS) and len(line) < 80
    )


def _section(lines: list[str], heading: str) -> list[str]:
    """The prose lines after a section heading, up to the next heading."""
    inline = re.compile(rf"^{heading}\s*:?\s+(?P<rest>.{{40,}})$", re.IGNORECASE)
    for i, line in enumerate(lines):
        # The heading on its own line, or run into the first paragraph ("Description On ...").
        starts_inline = inline.match(line)
        if line.casefold().rstrip(":") == heading or starts_inline:
            body = [starts_inline["rest"]] if starts_inline else []
            for following in lines[i + 1 :]:
                if _is_heading(following):
                    break
                if not _NOT_PROSE.match(following):
                    body.append(following)
            return body
    return []


def parse_incident_page(html: str) -> CsidbIncident:
    """The public fields of an incident page.

    Raises:
        UnknownPageError: no "Cyber Incident Victim:" heading with a name.
    """
    root = lxml.html.fromstring(html)
    headings = root.xpath(f"//h1[contains(., '{VICTIM_HEADING}')]")
    if not headings:
        raise UnknownPageError(f'no "{VICTIM_HEADING}:" heading with a name')
    heading = headings[0]
    link = heading.xpath(".//a[@href]")
    if link:
        name = " ".join(link[0].text_content().split())
        href = link[0].get("href").strip()
    else:
        name = " ".join(heading.text_content().split()).split(":", 1)[-1].strip()
        href = None
    # The whole <main>: the heading, the labels and the prose are siblings in it.
    lines = page_lines(html, xpaths=("//main",))
    summary = _section(lines, "summary")
    if not name:
        raise UnknownPageError(f'no "{VICTIM_HEADING}:" heading with a name')
    return CsidbIncident(
        name=name or None,
        organisation_href=href,
        date_text=_label_value(lines, "Date"),
        location=_label_value(lines, "Location"),
        summary=" ".join(summary) or None,
        description=_section(lines, "description"),
    )


def incident_links(html: str) -> list[str]:
    """Hrefs of incident pages linked from a page (an organisation's incident list)."""
    root = lxml.html.fromstring(html)
    hrefs = (h.strip() for h in root.xpath("//a/@href"))
    return list(dict.fromkeys(h for h in hrefs if INCIDENT_PATH.search(h)))


# --- Page -> notice ----------------------------------------------------------------------------


def incident_notice(incident: CsidbIncident, source_id: str, url: str) -> dict:
    """The fields of the notice a CSIDB incident page gives, prose-derived values flagged
    (the spider makes the item).

    CSIDB publishes no date of the report to a regulator, so `reported_date` is set only when
    the prose states one ("reported to the Maine Attorney General on ..."); it is never
    borrowed from the consumer notification date, a different event.
    """
    prose = [*incident.description, *([incident.summary] if incident.summary else [])]
    facts = extract_facts(prose)
    flags: list[str] = []
    notice: dict = {
        "source_id": source_id,
        "url": url,
        "entity_name": incident.name,
        "raw": {
            "Cyber Incident Victim": incident.name,
            "Date": incident.date_text,
            "Location": incident.location,
            "Summary": incident.summary,
            "Description": "\n\n".join(incident.description) or None,
            "organisation": incident.organisation_href,
            "extracted": facts.evidence(),
        },
        "flags": flags,
    }
    if occurred := facts.dates.get("occurred"):
        notice["breach_dates"] = [d["value"] for d in occurred]
        flags.append("from_prose:breach_dates")
    elif incident.date_text:
        notice["breach_dates"] = [incident.date_text]
    if discovered := facts.dates.get("discovered"):
        notice["discovered_date"] = discovered[0]["value"]
        flags.append("from_prose:discovered_date")
    if notified := facts.dates.get("notified"):
        notice["notification_dates"] = [d["value"] for d in notified]
        flags.append("from_prose:notification_dates")
    if reported := facts.dates.get("reported"):
        notice["reported_date"] = reported[0]["value"]
        flags.append("from_prose:reported_date")
    else:
        flags.append("no_reported_date_at_source")
    if facts.total:
        notice["total_affected"] = f"{facts.total.value:,}"
        flags.append("from_prose:total_affected")
    regulator_states = list(dict.fromkeys(r["state"] for r in facts.regulators))
    if facts.residents:
        # A number written in words ("seven") is given as digits: the clean stage reads digits.
        notice["residents_affected"] = f"{facts.residents.value:,}"
        notice["residents_state"] = facts.residents.state
        flags.append("from_prose:residents_affected")
    elif len(regulator_states) == 1:
        notice["residents_state"] = regulator_states[0]
        flags.append("from_prose:residents_state")
    flags.extend(f"conflicting_prose:{name}" for name in facts.conflicts)
    return notice
