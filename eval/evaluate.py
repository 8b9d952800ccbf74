# ruff: noqa: T201  (a command-line script: it reports on the terminal)
"""Measure the matcher on the labelled evaluation set: pairwise precision, recall and F1.

Loads eval/labelled_notices.csv into a temporary database (crawler.store.db.connect), runs the
same rebuild the `scrapy rebuild-incidents` command runs, and compares the incidents with the
labels pair by pair: a true positive is a pair of notices in one incident and one label.

The grown set (`--grown`) adds the groups of eval/label_additions.tsv, read from
eval/all_notices.csv: the cases `scrapy check_incidents` showed on the full real data.

Run: .venv/bin/python eval/evaluate.py [--grown] [--errors]
"""

import argparse
import csv
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from crawler.matching.entities import normalise_entity
from crawler.matching.incidents import rebuild_incidents
from crawler.matching.loading import insert_notices, notice_row
from crawler.store.db import connect

LABELLED = Path(__file__).with_name("labelled_notices.csv")
INT_COLUMNS = ("total_affected", "residents_affected")


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    notices: int
    incidents: int
    hard_join_pairs: int  # same incident, different keys or no shared breach dates
    hard_split_pairs: int  # same entity key, different incidents
    false_joins: list
    missed_joins: list
    # Predicted incidents whose notices carry more than one entity label (strangers): the
    # labels, not the matcher's evidence, say which organisation a notice is from.
    mixed_entities: list = field(default_factory=list)


def entity_label(incident_label: str) -> str:
    """The organisation part of an incident label: "intuit/k" -> "intuit",
    "added:tatcha/a" -> "tatcha" (labels without a part stand for themselves)."""
    return incident_label.removeprefix("added:").split("/")[0]


def load_labelled(path: Path = LABELLED) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ADDITIONS = Path(__file__).with_name("label_additions.tsv")


def load_grown(path: Path = LABELLED, additions: Path = ADDITIONS) -> list[dict]:
    """The labelled set plus the read groups of `additions` (rows from all_notices.csv).

    Raises:
        SystemExit: on an unknown notice, or one already labelled in the base set.
    """
    labelled = load_labelled(path)
    known = {item["notice_id"] for item in labelled}
    with ALL_NOTICES.open(encoding="utf-8", newline="") as handle:
        every = {row["notice_id"]: row for row in csv.DictReader(handle)}
    for number, line in enumerate(additions.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        group, notice_id, label = line.split("\t")
        if notice_id not in every or notice_id in known:
            raise SystemExit(f"{additions.name}:{number}: {notice_id} unknown or labelled twice")
        known.add(notice_id)
        if label != "X":
            labelled.append({**every[notice_id], "incident_label": f"added:{group}/{label}"})
    return labelled


ALL_NOTICES = Path(__file__).with_name("all_notices.csv")


def breach_texts(path: Path = ALL_NOTICES) -> dict[str, str]:
    """The breach-date cell as published, per notice: the crawler keeps it in `raw`."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["notice_id"]: row["raw_breach_text"] for row in csv.DictReader(handle)}


def notice_rows(labelled: list[dict]) -> list[dict]:
    """The labelled rows as `notices` rows (the columns the clean stage would write)."""
    rows = []
    texts = breach_texts()
    for item in labelled:
        fields = {
            "breach_dates": json.loads(item["breach_dates"] or "[]"),
            "reported_date": item["reported_date"] or None,
            "notification_dates": json.loads(item["notification_dates"] or "[]"),
            "discovered_date": item["discovered_date"] or None,
            "residents_state": item["residents_state"] or None,
            "cites": json.loads(item["cites"] or "[]"),
            "raw": {"breach_text": texts.get(item["notice_id"]) or None},
        }
        for column in INT_COLUMNS:
            fields[column] = int(float(item[column])) if item[column] else None
        rows.append(notice_row(item["notice_id"], item["entity_name"], **fields))
    return rows


def _pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {pair for ids in groups.values() for pair in combinations(sorted(ids), 2)}


def evaluate(path: Path = LABELLED, grown: bool = False) -> Scores:
    """Run the matcher on the labelled set (with the additions when `grown`) and score it."""
    labelled = load_grown(path) if grown else load_labelled(path)
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(Path(tmp) / "eval.db")
        insert_notices(db, notice_rows(labelled))
        rebuild_incidents(db)
        predicted_of = dict(db.execute("select id, incident_id from notices").fetchall())
        db.conn.close()
    truth: dict[str, list[str]] = defaultdict(list)
    predicted: dict[str, list[str]] = defaultdict(list)
    for item in labelled:
        truth[item["incident_label"]].append(item["notice_id"])
        predicted[predicted_of[item["notice_id"]]].append(item["notice_id"])
    true_pairs, predicted_pairs = _pairs(truth), _pairs(predicted)
    correct = true_pairs & predicted_pairs
    precision = len(correct) / len(predicted_pairs) if predicted_pairs else 1.0
    recall = len(correct) / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    by_id = {item["notice_id"]: item for item in labelled}
    keys = {nid: normalise_entity(item["entity_name"]) for nid, item in by_id.items()}
    hard_join = {
        (a, b) for a, b in true_pairs
        if keys[a] != keys[b] or by_id[a]["breach_dates"] in ("[]", "") or by_id[b]["breach_dates"] in ("[]", "")
        or not set(json.loads(by_id[a]["breach_dates"])) & set(json.loads(by_id[b]["breach_dates"]))
    }  # fmt: skip
    same_key = defaultdict(list)
    for nid, key in keys.items():
        same_key[key].append(nid)
    hard_split = _pairs(same_key) - true_pairs
    mixed = sorted(
        sorted(ids) for ids in predicted.values()
        if len({entity_label(by_id[nid]["incident_label"]) for nid in ids}) > 1
    )  # fmt: skip
    return Scores(
        precision, recall, f1, len(true_pairs), len(predicted_pairs), len(correct),
        len(labelled), len(truth), len(hard_join), len(hard_split),
        sorted(predicted_pairs - true_pairs), sorted(true_pairs - predicted_pairs), mixed,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list wrong and missed pairs")
    parser.add_argument("--grown", action="store_true", help="add eval/label_additions.tsv")
    args = parser.parse_args()
    scores = evaluate(grown=args.grown)
    print(f"notices {scores.notices}, incidents {scores.incidents}, "
          f"true pairs {scores.true_pairs} (hard joins {scores.hard_join_pairs}), "
          f"same-key pairs that must stay apart {scores.hard_split_pairs}")  # fmt: skip
    print(f"precision {scores.precision:.4f}  recall {scores.recall:.4f}  F1 {scores.f1:.4f}  "
          f"({scores.correct_pairs} correct of {scores.predicted_pairs} predicted pairs)")  # fmt: skip
    print(f"incidents mixing labelled organisations: {len(scores.mixed_entities)}")
    if args.errors:
        source = load_grown() if args.grown else load_labelled()
        labelled = {item["notice_id"]: item for item in source}
        for title, pairs in (
            ("false joins", scores.false_joins),
            ("missed joins", scores.missed_joins),
        ):
            print(f"-- {title}: {len(pairs)}")
            for a, b in pairs:
                for nid in (a, b):
                    i = labelled[nid]
                    print(
                        f"   {nid:<30} {i['reported_date']:<10} {i['breach_dates']:<40} {i['entity_name'][:50]}"
                    )
                print()


if __name__ == "__main__":
    main()
