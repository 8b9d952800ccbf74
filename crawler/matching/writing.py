"""SQL writes of the matcher: incidents, incident_links, incident_review, notices.incident_id."""

import sqlite_utils

from crawler.matching.clustering import Group, Review
from crawler.matching.rules import RULE_LIST_LEAD, RULE_TRADE_NAME
from crawler.matching.summary import INCIDENT_COLUMNS, OPTIONAL_INCIDENT_COLUMNS, incident_row


def review_rows(
    groups: list[Group], reviews: list[Review], fuzzy: dict, facts: dict, created: str
) -> list[dict]:
    """The `incident_review` rows: close fuzzy calls left apart, and the clustering's reviews."""
    incident_of = {nid: g.founder for g in groups for nid in g.members}
    rows = {}
    for (a, b), match in fuzzy.items():
        if a in incident_of and b in incident_of and incident_of[a] == incident_of[b]:
            continue  # joined through another path: nothing left to decide
        later, earlier = sorted((facts[a], facts[b]), key=lambda f: f.order_key, reverse=True)
        if match.rule == RULE_TRADE_NAME:
            reason = "only a trade name is shared, under different main names; dates agree"
        elif match.rule == RULE_LIST_LEAD:
            reason = "one name is the first of a list of entity names the other gives"
        else:
            # Truncated, never rounded up: 0.9167 shown as "0.92" would read as the threshold.
            shown = int(match.score * 1000) / 1000
            reason = f"similar names ({shown:.3f}) below the join threshold, dates agree"
        rows[(later.id, earlier.id)] = (match.rule, match.score, reason)
    for review in reviews:
        rows[(review.notice_id, review.candidate_notice_id)] = (
            review.rule,
            review.score,
            review.reason,
        )
    return [
        {
            "notice_id": a,
            "candidate_notice_id": b,
            "rule": rule,
            "score": score,
            "reason": reason,
            "created_at": created,
        }
        for (a, b), (rule, score, reason) in sorted(rows.items())
    ]


def _incident_columns(db: sqlite_utils.Database) -> tuple[str, ...]:
    present = set(db["incidents"].columns_dict)
    return INCIDENT_COLUMNS + tuple(c for c in OPTIONAL_INCIDENT_COLUMNS if c in present)


def write(db, groups, facts, rows_for_review, linked_at: str) -> None:
    """Insert the incidents of `groups`, their links and the review rows."""
    columns = _incident_columns(db)
    incident_rows = [incident_row(g, facts) for g in groups]
    db.conn.executemany(
        f"insert or replace into incidents ({', '.join(columns)}) "
        f"values ({', '.join('?' for _ in columns)})",
        [[row[c] for c in columns] for row in incident_rows],
    )
    link_rows = []
    for group, row in zip(groups, incident_rows, strict=True):
        for notice_id in group.members:
            link = group.links[notice_id]
            link_rows.append(
                (notice_id, row["id"], link.rule, link.score, link.matched_notice_id, linked_at)
            )
    db.conn.executemany(
        "insert or replace into incident_links "
        "(notice_id, incident_id, rule, score, matched_notice_id, linked_at) values (?,?,?,?,?,?)",
        link_rows,
    )
    db.conn.executemany(
        "update notices set incident_id = ? where id = ?", [(r[1], r[0]) for r in link_rows]
    )
    db.conn.executemany(
        "insert into incident_review (notice_id, candidate_notice_id, rule, score, reason, "
        "created_at) values (:notice_id, :candidate_notice_id, :rule, :score, :reason, :created_at)",
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
