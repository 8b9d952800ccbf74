# ruff: noqa: T201  (a command-line script: it reports on the terminal)
"""Derive notice rows from the real state data in localportal/data (step 1 of the eval set).

Reads the CA CSV export and both Maine archive workbooks and writes every notice as a row of
eval/all_notices.csv, in the shape the `notices` table has after the clean stage. Ids:
`ca_ag:csv-<row>` (the CSV has no ids; the few rows whose sb24 id is documented in
PORTALS.md section 4 get that id), `me_ag_archive:app-<row>` (12/2018-9/2020 workbook) and
`me_ag_archive:legacy-<row>` (2010-2018 log); row numbers are 1-based data rows.

Run: .venv/bin/python eval/derive_notices.py
"""

import csv
import json
import re
import sys
from datetime import datetime
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.textparse.counts import parse_count
from crawler.textparse.dates import parse_dates

REAL = Path(__file__).resolve().parents[1] / "localportal" / "data"
OUT = Path(__file__).with_name("all_notices.csv")
# Documented CA ids (PORTALS.md 4, AGGREGATORS.md 4): (name as published, reported) -> id.
KNOWN_CA_IDS = {
    ("Mount Diablo Unified School District", "10/20/2020"): "sb24-195323",
    ("Mt. Diablo Unified School District", "09/07/2018"): "sb24-139646",
    ("T-Mobile USA", "08/25/2021"): "sb24-544287",
    ("T-Mobile USA, Inc.", "10/01/2015"): "sb24-58079",
    ("T-Mobile US", "12/30/2013"): "sb24-43681",
    ("Victor Valley Union High School District", "06/03/2021"): "sb24-541557",
    ("Mission Bell Mfg Inc", "04/04/2025"): "sb24-600915",
}
FIELDS = ("notice_id", "source", "entity_name", "breach_dates", "reported_date",
          "notification_dates", "discovered_date", "total_affected", "residents_affected",
          "residents_state", "cites", "raw_breach_text")  # fmt: skip
_CLAUSE_WORDS = re.compile(r"[()]|\b(?:discovered|informed of breach on|disc\.?|on)\b", re.I)
_DISCOVERED = re.compile(r"\(?\s*(?:discovered|informed of breach on|disc\.?)\b[^)]*\)?", re.I)


def iso_list(text) -> list[str]:
    if text is None:
        return []
    if isinstance(text, datetime):
        return [text.date().isoformat()]
    return [d.iso for d in parse_dates(str(text)).value]


def count(text) -> int | None:
    if text is None:
        return None
    if isinstance(text, int | float):
        return int(text)
    return parse_count(str(text)).value


def ca_rows():
    path = REAL / "ca" / "list-export-2025-06-18.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), 1):
            name = row["Organization Name"]
            reported = row["Reported Date"]
            source_id = KNOWN_CA_IDS.get((name.strip(), reported), f"csv-{number}")
            dates = iso_list(row["Date(s) of Breach  (if known)"])
            yield {
                "notice_id": f"ca_ag:{source_id}", "source": "ca_ag", "entity_name": name.strip(),
                "breach_dates": sorted(set(dates)), "reported_date": iso_list(reported)[0],
                "notification_dates": [], "residents_state": "CA",
                "raw_breach_text": row["Date(s) of Breach  (if known)"],
            }  # fmt: skip


def me_app_rows():
    path = REAL / "me" / "archive-2018-12-06--2020-09-14.xlsx"
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    for number, values in enumerate(rows, 1):
        row = dict(zip(header, values, strict=False))
        if not row.get("Entity Name"):
            continue
        completed = str(row["Completed Date"]).split()[0]
        month, day_, year = (int(p) for p in completed.split("/"))
        breach_text = row["Date(s) Breach Occurred"]
        yield {
            "notice_id": f"me_ag_archive:app-{number}", "source": "me_ag_archive",
            "entity_name": str(row["Entity Name"]).strip(),
            "breach_dates": sorted(set(iso_list(breach_text))),
            "reported_date": f"{year:04d}-{month:02d}-{day_:02d}",
            "notification_dates": iso_list(row["Date(s) of consumer notification"]),
            "discovered_date": (iso_list(row["Date Breach Discovered"]) or [None])[0],
            "total_affected": count(row["Total number of persons affected (including Maine residents)"]),
            "residents_affected": count(row["Total number of Maine residents affected"]),
            "residents_state": "ME", "raw_breach_text": breach_text,
        }  # fmt: skip


def me_legacy_rows():
    path = REAL / "me" / "archive-2010-08-01--2018-12-05.xlsx"
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True).worksheets[0]
    number = 0
    for values in sheet.iter_rows(min_row=3, max_col=5, values_only=True):
        name, breach, notified, _types, residents = values
        if not name or not str(name).strip():
            continue
        number += 1
        # "8/3/2018 (discovered 10/2/18)": the discovery date is not a breach date.
        breach_text = breach if isinstance(breach, datetime) else str(breach or "")
        discovered = []
        if isinstance(breach_text, str):
            # The clause's words and parentheses out first: the date parser reads dates only.
            discovered = [
                iso
                for m in _DISCOVERED.finditer(breach_text)
                for iso in iso_list(_CLAUSE_WORDS.sub(" ", m.group()))
            ]
            breach_text = _DISCOVERED.sub(" ", breach_text)
        reported = iso_list(notified)
        yield {
            "notice_id": f"me_ag_archive:legacy-{number}", "source": "me_ag_archive",
            "entity_name": str(name).strip(), "breach_dates": sorted(set(iso_list(breach_text))),
            "reported_date": reported[0] if reported else None, "notification_dates": [],
            "discovered_date": discovered[0] if discovered else None,
            "residents_affected": count(residents), "residents_state": "ME",
            "raw_breach_text": str(breach or ""),
        }  # fmt: skip


def main() -> None:
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS, extrasaction="ignore")
        writer.writeheader()
        total = 0
        for row in [*ca_rows(), *me_app_rows(), *me_legacy_rows()]:
            row = {k: row.get(k) for k in FIELDS}
            for key in ("breach_dates", "notification_dates"):
                row[key] = json.dumps(row[key] or [])
            row["cites"] = "[]"
            writer.writerow(row)
            total += 1
    print(f"{total} notices -> {OUT}")


if __name__ == "__main__":
    main()
