"""The Atom feed of new and grown incidents (RFC 4287), newest first, the last N kept.

Each round's entries go before the entries already in the file; the file is rewritten
through a temporary file and os.replace, so a feed reader never sees half a file. An
existing file that is not a readable feed is kept beside it (`.broken`) and a new feed
started, rather than lost or fatal.
"""

import os
import xml.etree.ElementTree as ET
from pathlib import Path

from crawler.atomicfile import atomic_write

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)
FEED_ID = "urn:breach-crawler:feed:incidents"


def _tag(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _text(parent, name: str, text: str, **attrs) -> ET.Element:
    element = ET.SubElement(parent, _tag(name), attrs)
    element.text = text
    return element


def _count(value) -> str:
    return "unknown" if value is None else f"{value:,}"


def entry_title(entry: dict) -> str:
    states = ", ".join(entry["states"]) or "no state"
    if entry["change"] == "new":
        return (
            f"New breach: {entry['entity']} ({states}; {_count(entry['total_affected'])} affected)"
        )
    grew = []
    if entry["new_states"]:
        grew.append(f"now also notified to {', '.join(entry['new_states'])}")
    if entry["total_affected"] != entry["previous_total_affected"]:
        grew.append(
            f"{_count(entry['total_affected'])} affected "
            f"(was {_count(entry['previous_total_affected'])})"
        )
    return f"Update: {entry['entity']}: {'; '.join(grew)}"


def entry_summary(entry: dict) -> str:
    residents = ", ".join(f"{s}: {n:,}" for s, n in sorted(entry["residents_by_state"].items()))
    breach = entry["breach_start"] or "unknown"
    if entry["breach_end"] and entry["breach_end"] != entry["breach_start"]:
        breach += f" to {entry['breach_end']}"
    lines = [
        f"Entity: {entry['entity']}",
        f"First reported: {entry['first_reported_date'] or 'unknown'}",
        f"Breach: {breach}",
        f"States: {', '.join(entry['states']) or 'none'}",
        f"Total affected: {_count(entry['total_affected'])}",
        f"Residents affected: {residents or 'not given'}",
        f"Sources: {', '.join(entry['sources'])} ({entry['notice_count']} notices)",
        *entry["notice_urls"],
    ]
    return "\n".join(lines)


def _entry(entry: dict, updated: str) -> ET.Element:
    element = ET.Element(_tag("entry"))
    _text(element, "id", f"urn:breach-crawler:incident:{entry['incident_id']}:{updated}")
    _text(element, "title", entry_title(entry))
    _text(element, "updated", updated)
    for url in entry["notice_urls"][:1]:
        ET.SubElement(element, _tag("link"), {"rel": "alternate", "href": url})
    _text(element, "summary", entry_summary(entry))
    return element


def _old_entries(path: Path) -> list[ET.Element]:
    if not path.exists():
        return []
    try:
        return ET.parse(path).getroot().findall(_tag("entry"))
    except ET.ParseError:
        os.replace(path, path.with_name(path.name + ".broken"))
        return []


def write_feed(path: Path, entries: list[dict], updated: str, keep: int) -> int:
    """Put `entries` at the top of the feed at `path`, keep the newest `keep`; the number
    of entries now in the file."""
    root = ET.Element(_tag("feed"))
    _text(root, "id", FEED_ID)
    _text(root, "title", "New and grown data-breach incidents")
    _text(root, "updated", updated)
    author = ET.SubElement(root, _tag("author"))
    _text(author, "name", "breach-crawler")
    kept = ([_entry(e, updated) for e in entries] + _old_entries(path))[: max(keep, 0)]
    root.extend(kept)
    with atomic_write(path) as handle:
        ET.ElementTree(root).write(handle, encoding="utf-8", xml_declaration=True)
    return len(kept)
