"""SQL writes of the matcher: incidents, incident_links, incident_review, notices.incident_id."""

from collections.abc import Iterable
from functools import lru_cache

import sqlite_utils

from crawler.matching.clustering import Group, Review
from crawler.matching.rules import RULE_LIST_LEAD, RULE_TRADE_NAME
from crawler.matching.summary import INCIDENT_COLUMNS, OPTIONAL_INCIDENT_COLUMNS, incident_row

REVIEW_COLUMNS = ("notice_id", "candidate_notice_id", "rule", "score", "reason", "created_at")


@lru_cache(maxsize=1 << 14)
def _reason(rule: str, score: float) -> str:
    """The text of a fuzzy call, one copy per rule and score (a close pass writes ~278,000)."""
    if rule == RULE_TRADE_NAME:
        return "only a trade name is shared, under different main names; dates agree"
    if rule == RULE_LIST_LEAD:
        return "one name is the first of a list of entity names the other gives"
    # Truncated, never rounded up: 0.9167 shown as "0.92" would read as the threshold.
    shown = int(score * 1000) / 1000
    return f"similar names ({shown:.3f}) below the join threshold, dates agree"


def review_rows(
    groups: list[Group], reviews: list[Review], fuzzy: Iterable, facts: dict, created: str
) -> list[tuple]:
    """The `incident_review` rows (REVIEW_COLUMNS), sorted: the close fuzzy calls `fuzzy`
    ((id, id, Match), each pair once) left apart, and the clustering's reviews, which win over
    a fuzzy call of the same pair. Tuples in one list, no dict of pairs: a big close pass has
    ~278,000 of them."""
    raised = {(r.notice_id, r.candidate_notice_id): r for r in reviews}  # the last one wins
    incident_of = {nid: g.founder for g in groups for nid in g.members}
    rows = []
    for a, b, match in fuzzy:
        if a in incident_of and b in incident_of and incident_of[a] == incident_of[b]:
            continue  # joined through another path: nothing left to decide
        later, earlier = sorted((facts[a], facts[b]), key=lambda f: f.order_key, reverse=True)
        if (later.id, earlier.id) not in raised:
            reason = _reason(match.rule, match.score)
            rows.append((later.id, earlier.id, match.rule, match.score, reason, created))
    del incident_of
    rows += [(a, b, r.rule, r.score, r.reason, created) for (a, b), r in raised.items()]
    rows.sort()  # pairs are unique, so this is the order of the pairs
    return rows


def _incident_columns(db: sqlite_utils.Database) -> tuple[str, ...]:
    present = set(db["incidents"].columns_dict)
    return INCIDENT_COLUMNS + tuple(c for c in OPTIONAL_INCIDENT_COLUMNS if c in present)


def write(db, groups, facts, rows_for_review, linked_at: str) -> None:
    """Insert the incidents of `groups`, their links and the review rows.

    Rows are handed to SQLite as they are made, not gathered first: a close pass writes tens
    of thousands of incidents and links at its memory peak, and every row held at once (as
    a dict, then as a list of values, then again for the links) was there on top of it."""
    columns = _incident_columns(db)
    incident_ids: list[str] = []

    def incident_values():
        for group in groups:
            row = incident_row(group, facts)
            incident_ids.append(row["id"])
            yield [row[c] for c in columns]

    def members():
        for group, incident_id in zip(groups, incident_ids, strict=True):
            for notice_id in group.members:
                yield incident_id, notice_id, group.links[notice_id]

    db.conn.executemany(
        f"insert or replace into incidents ({', '.join(columns)}) "
        f"values ({', '.join('?' for _ in columns)})",
        incident_values(),
    )
    db.conn.executemany(
        "insert or replace into incident_links "
        "(notice_id, incident_id, rule, score, matched_notice_id, linked_at) values (?,?,?,?,?,?)",
        (
            (nid, iid, link.rule, link.score, link.matched_notice_id, linked_at)
            for iid, nid, link in members()
        ),
    )
    db.conn.executemany(
        "update notices set incident_id = ? where id = ?",
        ((iid, nid) for iid, nid, _ in members()),
    )
    db.conn.executemany(
        f"insert into incident_review ({', '.join(REVIEW_COLUMNS)}) values (?,?,?,?,?,?)",
        rows_for_review,
    )


def delete_for_notices(db: sqlite_utils.Database, ids: list[str]) -> None:
    """Delete the incidents, links and review rows that involve any of `ids`."""
    marks = ",".join("?" for _ in ids)
    old = [r[0] for r in db.execute(
        f"select distinct incident_id from incident_links where notice_id in ({marks})", ids
    )]  # fmt: skip
    if old:
        db.execute(f"delete from incidents where id in ({','.join('?' for _ in old)})", old)
    db.execute(f"delete from incident_links where notice_id in ({marks})", ids)
    db.execute(
        f"delete from incident_review where notice_id in ({marks}) "
        f"or candidate_notice_id in ({marks})",
        ids + ids,
    )


def delete_all(db: sqlite_utils.Database) -> None:
    db.execute("delete from incidents")
    db.execute("delete from incident_links")
    db.execute("delete from incident_review")
    db.execute("update notices set incident_id = null where incident_id is not null")
