# ruff: noqa: T201  (a command-line script: it reports on the terminal)
"""Step 2 of the eval set: choose entities and propose incident labels for review by eye.

Selection (deterministic): every entity key present in both the CA and the Maine data with
at most 6 notices whose sha1(key) is divisible by 3 (about a third, unbiased by name), plus
the named hard cases of the brief. For each chosen entity, notices of *other* keys that look
like the same organisation (rapidfuzz token_set_ratio >= 88 on the keys, reported within a
year) are added and marked `variant?` so a person decides whether they belong.

Proposed labels come from a deliberately simple rule written here, not from the matcher:
within one organisation, notices whose breach periods overlap (3 days' tolerance) are one
incident; an undated notice is proposed to join the dated incident reported within 45 days,
and is marked `check` either way. Every group with a `check` or `variant?` mark was read by
eye and settled in eval/label_overrides.tsv.

Run: .venv/bin/python eval/propose_groups.py > eval/proposals.txt
"""

import csv
import hashlib
import json
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from crawler.matching.entities import normalise_entity
from crawler.matching.loading import iso_breach_bounds

HERE = Path(__file__).parent
HARD_CASE_KEYS = (
    "t mobile", "mount diablo unified school district", "healthequity", "equifax", "marriott",
    "marriott international", "doordash", "magellan health", "yahoo", "capital one",
    "ameriprise financial", "intuit", "talx", "victor valley union high school district",
    "centinela valley union high school district", "danbury public schools", "nutrafol",
    "rosenberg and manente", "british airways", "wawa", "mgm resorts international",
)  # fmt: skip


def load():
    rows = list(csv.DictReader((HERE / "all_notices.csv").open(encoding="utf-8")))
    extra = HERE / "aggregator_notices.csv"
    if extra.exists():
        rows += list(csv.DictReader(extra.open(encoding="utf-8")))
    for row in rows:
        row["key"] = normalise_entity(row["entity_name"])
        row["bounds"] = iso_breach_bounds(json.loads(row["breach_dates"]))
    return rows


def chosen_keys(by_key) -> list[str]:
    keys = []
    for key, rows in by_key.items():
        states = {"ca" if r["source"] == "ca_ag" else "me" for r in rows if r["source"] != "agg"}
        digest = int(hashlib.sha1(key.encode()).hexdigest(), 16)
        if len(states) > 1 and len(rows) <= 6 and digest % 3 == 0:
            keys.append(key)
    return sorted(set(keys) | {k for k in HARD_CASE_KEYS if k in by_key})


def to_day(iso):
    return date.fromisoformat(iso).toordinal() if iso else None


def propose(rows):
    """Proposed incident number per row index, and whether a person must check it."""
    label = list(range(len(rows)))

    def find(i):
        while label[i] != i:
            i = label[i]
        return i

    for i, a in enumerate(rows):
        for j, b in enumerate(rows[:i]):
            if a["bounds"][0] and b["bounds"][0]:
                gap = max(to_day(a["bounds"][0]) - to_day(b["bounds"][1]),
                          to_day(b["bounds"][0]) - to_day(a["bounds"][1]))  # fmt: skip
                if gap <= 3:
                    label[find(i)] = find(j)
    checks = set()
    for i, a in enumerate(rows):
        if a["bounds"][0] or not a["reported_date"]:
            checks.add(i)
            continue
        checks.add(i)
        near = [j for j, b in enumerate(rows) if j != i and b["bounds"][0] and b["reported_date"]
                and abs(to_day(b["reported_date"]) - to_day(a["reported_date"])) <= 45]  # fmt: skip
        if near:
            label[find(i)] = find(near[0])
    return [find(i) for i in range(len(rows))], checks


def main() -> None:
    rows = load()
    by_key = defaultdict(list)
    for row in rows:
        if row["key"]:
            by_key[row["key"]].append(row)
    for key in chosen_keys(by_key):
        group = list(by_key[key])
        years = {r["reported_date"][:4] for r in group if r["reported_date"]}
        for other_key, others in by_key.items():
            if other_key != key and fuzz.token_set_ratio(key, other_key) >= 88:
                for o in others:
                    if o["reported_date"] and any(
                        abs(int(o["reported_date"][:4]) - int(y)) <= 1 for y in years
                    ):
                        o = dict(o, variant=True)
                        group.append(o)
        group.sort(key=lambda r: (r["reported_date"] or "", r["notice_id"]))
        labels, _ = propose(group)
        print(f"== {key}")
        for row, lab in zip(group, labels, strict=True):
            mark = "variant?" if row.get("variant") else ""
            print(f"  {lab:>3} {row['notice_id']:<28} {row['reported_date'] or '-':<10} "
                  f"{','.join(json.loads(row['breach_dates'])) or '-':<30} {mark:<8} "
                  f"{row['entity_name'][:60]!r} | {str(row.get('raw_breach_text') or '')[:40]!r}")  # fmt: skip


if __name__ == "__main__":
    main()
