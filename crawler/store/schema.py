"""The schema, as sqlite-utils migrations: notices, incidents and their additions.

Schema changes happen only as a new migration appended at the end (here, or in
schema_browse.py for what only readers use); an applied migration is never edited. Nothing
in the project deletes rows from `notices`, `notice_versions` or `crawl_runs`.
"""

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("breaches")


@migrations()
def m001_notices(db: sqlite_utils.Database) -> None:
    db["notices"].create(
        {
            "id": str,  # "<source>:<source_id>", e.g. "ca_ag:sb24-629314"
            "source": str,
            "source_kind": str,  # "state" (AG portal) or "aggregator"
            "source_id": str,
            "url": str,
            "entity_name": str,
            "breach_dates": str,  # JSON array of ISO dates, reduced precision allowed
            "breach_start": str,  # first day the breach may have started (ISO day)
            "breach_end": str,  # last day it may have ended (ISO day)
            "breach_precision": str,  # coarsest precision among breach_dates
            "reported_date": str,
            "discovered_date": str,
            "notification_dates": str,  # JSON array
            "total_affected": int,
            "total_affected_raw": str,
            "residents_affected": int,
            "residents_affected_raw": str,
            "residents_state": str,
            "notice_url": str,  # first of notice_urls
            "notice_urls": str,  # JSON array
            "entity_address": str,
            "organization_type": str,
            "data_types": str,  # JSON array
            "id_theft_service": str,  # JSON object
            "cites": str,  # JSON array of notice ids this notice retells
            "raw": str,  # JSON object: every published field as displayed
            "flags": str,  # JSON array of data-quality flags
            "content_hash": str,
            "content_since": str,  # when the current published content was first seen
            "status": str,  # "active" | "removed_at_source"
            "removed_at": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "incident_id": str,
        },
        pk="id",
        not_null={"id", "source", "source_id", "status", "first_seen_at", "last_seen_at"},
        defaults={"status": "active"},
    )
    db["notices"].create_index(["source", "source_id"], unique=True)
    db["notices"].create_index(["reported_date"])
    db["notices"].create_index(["incident_id"])

    db["notice_versions"].create(
        {
            "version_id": int,
            "notice_id": str,
            "content_hash": str,
            "content": str,  # JSON of the published fields of that version
            "seen_from": str,  # first_seen_at of that version
            "replaced_at": str,  # when a newer version replaced it
            "run_id": int,  # the crawl run that saw the replacement
        },
        pk="version_id",
        not_null={"notice_id", "content_hash", "content", "replaced_at"},
    )
    db["notice_versions"].create_index(["notice_id"])

    db["crawl_runs"].create(
        {
            "id": int,
            "spider": str,
            "mode": str,
            "base_url": str,
            "started_at": str,
            "finished_at": str,
            "finish_reason": str,
            "source_status": str,  # "running" | "ok" | "offline" | "layout_changed" | "error"
            "status_reason": str,
            "requests": int,
            "responses": int,
            "notices_new": int,
            "notices_updated": int,
            "notices_unchanged": int,
            "notices_rejected": int,
            "notices_removed": int,
            "errors": int,
            "details": str,  # JSON: spider-specific findings (e.g. completeness check)
            "stats": str,  # JSON: the Scrapy stats of the run
        },
        pk="id",
    )

    db["rejected_notices"].create(
        {
            "id": int,
            "run_id": int,
            "source": str,
            "source_id": str,
            "url": str,
            "reason": str,
            "item": str,  # JSON of the item as the spider yielded it
            "seen_at": str,
        },
        pk="id",
    )


@migrations()
def m002_incidents(db: sqlite_utils.Database) -> None:
    db["incidents"].create(
        {
            "id": str,  # stable: derived from the incident's founding notice id
            "display_name": str,
            "entity_key": str,  # normalised entity name
            "breach_start": str,
            "breach_end": str,
            "breach_precision": str,
            "first_reported_date": str,
            "states": str,  # JSON array of two-letter states notified
            "total_affected": int,  # the largest stated total, never a sum
            "residents_by_state": str,  # JSON object state -> residents affected
            "notice_count": int,
            "source_count": int,
            "sources": str,  # JSON array of source names
            "first_seen_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    db["incident_links"].create(
        {
            "notice_id": str,  # each notice is in exactly one incident
            "incident_id": str,
            "rule": str,  # which matching rule joined it ("founder" for the first notice)
            "score": float,
            "matched_notice_id": str,  # the notice it was matched against
            "linked_at": str,
        },
        pk="notice_id",
    )
    db["incident_links"].create_index(["incident_id"])
    db["incident_review"].create(
        {
            "id": int,
            "notice_id": str,
            "candidate_notice_id": str,
            "rule": str,
            "score": float,
            "reason": str,
            "created_at": str,
        },
        pk="id",
    )
    db["export_cursors"].create(
        {"name": str, "kind": str, "exported_until": str, "file": str, "rows": int},
        pk="name",
    )


@migrations()
def m003_incident_status(db: sqlite_utils.Database) -> None:
    db["incidents"].add_column("active_notice_count", int)
    # "active", or "removed_at_source" when every notice of it vanished from its source.
    db["incidents"].add_column("status", str)


@migrations()
def m004_incident_date_flags(db: sqlite_utils.Database) -> None:
    # JSON object, NULL when no notice of the incident has a doubtful date: which incident
    # dates come from flagged notices, and the flags per notice (crawler/matching/summary.py).
    db["incidents"].add_column("date_flags", str)
