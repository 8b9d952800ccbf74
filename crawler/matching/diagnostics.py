"""What the stored incidents look like: the lists a person reads to find matching mistakes.

`diagnose(db)` reads the notices and incidents as stored and reports the largest incidents,
the incidents with the most distinct entity keys (main names), the keys carried by the most
different main names (the candidates for junk keys such as "email"), the links per rule,
the review rows per reason, and every incident holding main names with no evidence of being
one entity (`kinship.unrelated_pairs`): that list must be empty.

That last list uses the matcher's own evidence, so it cannot catch a mistake in it. The
incidents whose published names are not alike as plain text (`independent`: word overlap, a
shared rare word, equal without spaces; no entity keys) are listed too, as a reading list:
an alias or renaming can be right and still be there.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlite_utils

from crawler.matching.evidence import KeyStats
from crawler.matching.independent import WordCounts, unlike_groups
from crawler.matching.kinship import unrelated_pairs
from crawler.matching.rows import facts_from_row, read_notices


@dataclass
class IncidentSummary:
    incident_id: str
    display_name: str
    notices: int
    main_names: list[str]


@dataclass
class Diagnosis:
    notices: int
    incidents: int
    largest: list[IncidentSummary]
    most_names: list[IncidentSummary]
    shared_keys: list[tuple[str, int]]
    links_per_rule: dict[str, int]
    reviews_per_reason: dict[str, int]
    strangers: list[tuple[IncidentSummary, list[tuple[str, str]]]] = field(default_factory=list)
    # Incidents whose published names fall into several groups by the independent test.
    unlike: list[tuple[IncidentSummary, list[list[str]]]] = field(default_factory=list)


def diagnose(db: sqlite_utils.Database, limit: int = 10) -> Diagnosis:
    """The diagnostics of the incidents stored in `db` (top `limit` of each list)."""
    facts = {}
    stats = KeyStats()
    for row in read_notices(db):
        notice = facts_from_row(row)
        facts[notice.id] = notice
        stats.add(notice.keys)
    members: dict[str, list] = defaultdict(list)
    ties: dict[str, list] = defaultdict(list)
    for notice_id, incident_id, rule, matched in db.execute(
        "select notice_id, incident_id, rule, matched_notice_id from incident_links"
    ):
        if notice_id not in facts:
            continue
        members[incident_id].append(facts[notice_id])
        if rule == "cites" and matched in facts and facts[matched].keys and facts[notice_id].keys:
            ties[incident_id].append((facts[notice_id].keys[0], facts[matched].keys[0]))
    names = dict(db.execute("select id, display_name from incidents"))
    summaries = {
        incident_id: IncidentSummary(
            incident_id,
            names.get(incident_id) or "",
            len(notices),
            sorted({f.keys[0] for f in notices if f.keys}),
        )
        for incident_id, notices in members.items()
    }
    ordered = sorted(summaries.values(), key=lambda s: (-s.notices, s.incident_id))
    by_names = sorted(summaries.values(), key=lambda s: (-len(s.main_names), s.incident_id))
    strangers = []
    for summary in by_names:
        if len(summary.main_names) < 2:
            break
        pairs = unrelated_pairs(members[summary.incident_id], ties[summary.incident_id], stats)
        if pairs:
            strangers.append((summary, pairs))
    counts = WordCounts(f.entity_name for f in facts.values())
    unlike = []
    for summary in ordered:
        groups = unlike_groups((f.entity_name for f in members[summary.incident_id]), counts)
        if len(groups) > 1:
            unlike.append((summary, groups))
    rules = Counter(dict(db.execute("select rule, count(*) from incident_links group by rule")))
    reasons = Counter(
        dict(db.execute("select reason, count(*) from incident_review group by reason"))
    )
    return Diagnosis(
        notices=len(facts),
        incidents=len(summaries),
        largest=ordered[:limit],
        most_names=by_names[:limit],
        shared_keys=stats.top_shared_keys(limit),
        links_per_rule=dict(rules.most_common()),
        reviews_per_reason=dict(reasons.most_common()),
        strangers=strangers,
        unlike=unlike,
    )


def report_lines(diagnosis: Diagnosis) -> list[str]:
    """The diagnosis as text, list by list."""
    d = diagnosis
    lines = [f"{d.notices} notices in {d.incidents} incidents", "", "Largest incidents:"]
    lines += [f"  {s.notices:4d}  {s.display_name[:60]}  ({s.incident_id})" for s in d.largest]
    lines += ["", "Incidents with the most distinct entity keys:"]
    lines += [
        f"  {len(s.main_names):4d}  {s.display_name[:50]}: {'; '.join(s.main_names)[:120]}"
        for s in d.most_names
    ]
    lines += ["", "Keys carried by the most different main names:"]
    lines += [f"  {count:4d}  {key}" for key, count in d.shared_keys]
    lines += ["", "Links per rule:"]
    lines += [f"  {count:6d}  {rule}" for rule, count in d.links_per_rule.items()]
    lines += ["", "Review rows per reason:"]
    lines += [f"  {count:6d}  {reason}" for reason, count in d.reviews_per_reason.items()]
    lines += ["", f"Incidents joining unrelated main names: {len(d.strangers)}"]
    for summary, pairs in d.strangers:
        shown = "; ".join(f"{a} / {b}" for a, b in pairs[:3])
        lines.append(f"  {summary.incident_id} {summary.display_name[:40]}: {shown}")
    lines += ["", f"Incidents whose names are not alike as plain text (read them): {len(d.unlike)}"]
    for summary, groups in d.unlike:
        shown = " | ".join(" / ".join(name[:50] for name in group[:2]) for group in groups[:3])
        lines.append(f"  {summary.incident_id} ({summary.notices}): {shown}")
    return lines
