#!/bin/sh
# The scheduled nightly crawl: run `scrapy nightly` from the repository, log to
# data/logs/nightly-YYYY-MM-DD.log, refresh the Datasette search index if it was enabled,
# and keep 60 days of logs. Exits with the nightly's own code (docs/OPERATIONS.md).
#
# Usage: deploy/nightly.sh [extra `scrapy nightly` options]
# BREACH_REPO (default: the folder above this script) and BREACH_DB_PATH are honoured.
set -u
REPO="${BREACH_REPO:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$REPO" || exit 1
DB="${BREACH_DB_PATH:-data/breaches.db}"
LOGS="$(dirname "$DB")/logs"
mkdir -p "$LOGS"
LOG="$LOGS/nightly-$(date -u +%Y-%m-%d).log"

.venv/bin/scrapy nightly "$@" >>"$LOG" 2>&1
code=$?
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) scrapy nightly exited $code" >>"$LOG"

# Full-text search tables exist only if someone enabled them (docs/OPERATIONS.md): rebuild.
for table in notices incidents; do
    if .venv/bin/sqlite-utils tables "$DB" | grep -q "\"${table}_fts\""; then
        .venv/bin/sqlite-utils rebuild-fts "$DB" "$table" >>"$LOG" 2>&1
    fi
done
find "$LOGS" -name 'nightly-*.log' -mtime +60 -delete
exit $code
