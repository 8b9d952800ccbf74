# ruff: noqa: T201  (a command-line script: it reports on the terminal)
"""Step 3 of the eval set: write eval/labelled_notices.csv from proposals and reviewed labels.

A group read by eye (listed in eval/label_overrides.tsv) takes its labels from there (`X`
excludes a notice whose truth is uncertain). Any other chosen group is kept only when it is
clear-cut: every notice has breach dates, no `variant?` notice, and no two notices with
different proposed incidents were reported within 30 days of each other (a near miss that a
person would have to judge). Unclear, unread groups are left out.

Run: .venv/bin/python eval/build_labelled.py
"""

import csv
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from eval.propose_groups import HERE, chosen_keys, load, propose, to_day

OUT = HERE / "labelled_notices.csv"
FIELDS = ("notice_id", "source", "entity_name", "breach_dates", "reported_date",
          "notification_dates", "discovered_date", "total_affected", "residents_affected",
          "residents_state", "cites", "incident_label", "label_basis")  # fmt: skip


def read_overrides():
    reviewed: dict[str, dict[str, str]] = defaultdict(dict)
    for line in (HERE / "label_overrides.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, notice_id, label = line.split("\t")
        if label != "X" and "-" not in label and "/" not in label:
            label = f"{key}/{label}"
        reviewed[key][notice_id] = label
    return reviewed


def clear_cut(group, labels) -> bool:
    if any(not r["bounds"][0] or not r["reported_date"] for r in group):
        return False
    for i, a in enumerate(group):
        for j, b in enumerate(group[:i]):
            if (
                labels[i] != labels[j]
                and abs(to_day(a["reported_date"]) - to_day(b["reported_date"])) <= 30
            ):
                return False
    return True


def main() -> None:
    rows = load()
    by_id = {r["notice_id"]: r for r in rows}
    by_key = defaultdict(list)
    for row in rows:
        if row["key"]:
            by_key[row["key"]].append(row)
    reviewed = read_overrides()
    labels: dict[str, tuple[str, str]] = {}

    def put(notice_id, label, basis):
        if notice_id in labels and labels[notice_id][0] != label:
            raise SystemExit(f"{notice_id}: labelled {labels[notice_id][0]} and {label}")
        labels[notice_id] = (label, basis)

    for key in chosen_keys(by_key):
        if key in reviewed:
            continue
        group = by_key[key]
        proposed, _ = propose(group)
        if clear_cut(group, proposed):
            for row, lab in zip(group, proposed, strict=True):
                put(row["notice_id"], f"{key}/{group[lab]['notice_id']}", "rule")
    for key, entries in reviewed.items():
        for notice_id, label in entries.items():
            if notice_id not in by_id:
                raise SystemExit(f"unknown notice {notice_id} in group {key}")
            if label != "X":
                put(notice_id, label, "read")
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS, extrasaction="ignore")
        writer.writeheader()
        for notice_id in sorted(labels):
            label, basis = labels[notice_id]
            writer.writerow({**by_id[notice_id], "incident_label": label, "label_basis": basis})
    incidents = {lab for lab, _ in labels.values()}
    print(f"{len(labels)} notices in {len(incidents)} incidents -> {OUT}")


if __name__ == "__main__":
    main()
