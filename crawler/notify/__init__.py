"""Telling people what is new after a nightly: an Atom feed file and, if set, a webhook.

`after_nightly(settings, started)` is called by `scrapy nightly` once its crawls are done,
while it still holds the nightly lock. It never raises and never changes the nightly's exit
code: a failure is logged and recorded in the `notifications` table. docs/OPERATIONS.md,
"Hearing what is new", lists the settings:

- BREACH_FEED_PATH: the feed file (default: feed.atom next to the database; "off": none);
- BREACH_FEED_ENTRIES: entries the feed keeps, newest first (default 100);
- BREACH_WEBHOOK_URL: where to POST each round's entries as JSON (default: nowhere);
- BREACH_WEBHOOK_ATTEMPTS, BREACH_WEBHOOK_TIMEOUT, BREACH_WEBHOOK_BACKOFF: 4 attempts,
  10 s each, pauses of 2, 4, 8 s: a dead receiver costs the night at most about a minute;
- BREACH_WATCHLIST: a file of entity names, one a line: only incidents whose name (or a
  notice's) contains one of them are told about.

Each is declared in crawler/settings.py (where an environment variable of that name overrides
the default) and may be given as a Scrapy setting (`-s NAME=value`); this module reads them
from the settings only.
"""

import logging
from pathlib import Path

from crawler.lock import data_dir
from crawler.notify import changes, feed, webhook
from crawler.store.db import connect, now_iso

logger = logging.getLogger(__name__)
DEFAULT_FEED_NAME = "feed.atom"


def _setting(settings, name: str, default=None):
    """A setting's value; `default` when it is unset or "" (settings made without the
    project's settings module, as in a unit test, still get the documented defaults)."""
    value = settings.get(name) if settings is not None else None
    return default if value in (None, "") else value


def _record(db, started, channel, target, entries, ok, attempts=1, detail="", payload=None):
    with db.conn:
        db["notifications"].insert(
            {"created_at": now_iso(), "channel": channel, "target": target, "entries": entries,
             "status": "ok" if ok else "failed", "attempts": attempts, "detail": detail,
             "payload": payload, "round_started": started},
        )  # fmt: skip


def after_nightly(settings, started: str | None, *, sleep=None) -> list[dict]:
    """Feed and webhook for the incidents new or grown since the last round; the entries
    told about. Never raises."""
    try:
        return _notify(settings, started, sleep=sleep)
    except Exception:
        logger.exception("Notification of new incidents failed; the crawl is not affected")
        return []


def _notify(settings, started, *, sleep) -> list[dict]:
    db_path = _setting(settings, "BREACH_DB_PATH", "data/breaches.db")
    feed_setting = _setting(settings, "BREACH_FEED_PATH")
    feed_path = Path(feed_setting) if feed_setting else data_dir(db_path) / DEFAULT_FEED_NAME
    url = _setting(settings, "BREACH_WEBHOOK_URL")
    watchlist_path = _setting(settings, "BREACH_WATCHLIST")
    db = connect(db_path)
    try:
        found = changes.find_changes(db, started)
        if watchlist_path:
            names = changes.read_watchlist(Path(watchlist_path).read_text(encoding="utf-8"))
            by_incident = changes.notice_names(db)
            found = [c for c in found
                     if changes.watched(c, names, by_incident.get(c.incident["id"], []))]  # fmt: skip
        entries = [changes.as_json(change) for change in found]
        stamp = now_iso()
        keep = int(_setting(settings, "BREACH_FEED_ENTRIES", 100))
        if str(feed_setting or "").lower() != "off":
            try:
                kept = feed.write_feed(feed_path, entries, stamp, keep)
            except (OSError, ValueError) as error:
                # The view is not moved on: the next round tells these again.
                logger.error("Could not write the feed %s: %s", feed_path, error)
                _record(db, started, "feed", str(feed_path), len(entries), False, detail=str(error))
                return []
            _record(db, started, "feed", str(feed_path), len(entries), True, detail=f"{kept} kept")
            logger.info("Feed %s: %d new entries, %d kept", feed_path, len(entries), kept)
        if url and entries:
            body = changes.dumps_payload(entries, stamp)
            delivery = webhook.post_json(
                url,
                body,
                attempts=int(_setting(settings, "BREACH_WEBHOOK_ATTEMPTS", 4)),
                timeout=float(_setting(settings, "BREACH_WEBHOOK_TIMEOUT", 10)),
                backoff=float(_setting(settings, "BREACH_WEBHOOK_BACKOFF", 2)),
                **({"sleep": sleep} if sleep else {}),
            )
            if not delivery.ok:
                logger.error("Webhook %s failed after %d attempts: %s", url, delivery.attempts,
                             delivery.detail)  # fmt: skip
            payload = None if delivery.ok else body.decode("utf-8")
            _record(db, started, "webhook", url, len(entries), delivery.ok, delivery.attempts,
                    delivery.detail, payload)  # fmt: skip
        changes.record_state(db)
        return entries
    finally:
        db.conn.close()
