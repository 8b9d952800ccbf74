"""`scrapy check_incidents` and its diagnostics, on all 7,647 real notices (eval/all_notices.csv:
the CA export and both Maine workbooks) and on a planted chain of strangers."""

import csv
import json
import random

import pytest

from crawler.matching.diagnostics import diagnose
from crawler.matching.incidents import attach_notice, rebuild_incidents
from crawler.matching.loading import insert_notices
from crawler.store.db import connect
from eval.evaluate import ADDITIONS, ALL_NOTICES, load_grown, notice_rows
from tests.helpers import scrapy_command


def real_rows() -> list[dict]:
    with ALL_NOTICES.open(encoding="utf-8", newline="") as handle:
        rows = [{**row, "incident_label": ""} for row in csv.DictReader(handle)]
    return notice_rows(rows)


@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("real") / "breaches.db"
    db = connect(path)
    insert_notices(db, real_rows())
    rebuild_incidents(db)
    db.conn.close()
    return path


def test_no_incident_of_the_real_data_joins_unrelated_names(real_db):
    db = connect(real_db)
    diagnosis = diagnose(db, limit=20)
    db.conn.close()
    assert diagnosis.notices == 7647
    assert diagnosis.strangers == []
    # The chains of the legacy log's "(email)"/"(paper)" tags are gone: no incident holds
    # more than three distinct main names (spelling variants; before: 12 companies in one).
    assert max(len(s.main_names) for s in diagnosis.most_names) <= 3
    assert "email" not in dict(diagnosis.shared_keys)
    for rule in ("date_typo", "same_name_without_spaces", "formerly_known_as"):
        assert diagnosis.links_per_rule.get(rule, 0) > 0, rule


def test_the_command_reads_the_real_data_and_exits_0(real_db):
    result = scrapy_command(["check_incidents", "--db", str(real_db), "--top", "5"], real_db)
    assert result.returncode == 0, result
    assert "Largest incidents:" in result.log
    assert "Keys carried by the most different main names:" in result.log
    assert "Incidents joining unrelated main names: 0" in result.log


def test_a_planted_chain_of_strangers_is_reported(tmp_path):
    db = connect(tmp_path / "breaches.db")
    rows = [r for r in real_rows() if r["id"] in {
        "ca_ag:csv-3543", "me_ag_archive:legacy-694", "ca_ag:csv-3550", "me_ag_archive:legacy-696"}]  # fmt: skip
    insert_notices(db, rows)
    rebuild_incidents(db)
    assert diagnose(db).strangers == []
    # What the old matcher wrote: Tatcha and Genpact in one incident through the "email" key.
    tatcha = db.execute("select incident_id from notices where id = 'ca_ag:csv-3543'").fetchone()[0]
    with db.conn:
        db.execute(
            "update incident_links set incident_id = ? where notice_id like '%3550'", [tatcha]
        )
        db.execute(
            "update incident_links set incident_id = ? where notice_id like '%696'", [tatcha]
        )
    diagnosis = diagnose(db)
    strangers = diagnosis.strangers
    assert [s.incident_id for s, _ in strangers] == [tatcha]
    assert strangers[0][1] == [("genpact international", "tatcha")]
    # The independent test (plain text of the names, no entity keys) sees it too.
    assert [(s.incident_id, len(groups)) for s, groups in diagnosis.unlike] == [(tatcha, 2)]
    db.conn.close()
    result = scrapy_command(["check_incidents", "--db", str(tmp_path / "breaches.db")], tmp_path)
    assert result.returncode == 1, result


@pytest.mark.parametrize("seed", [1, 2])
def test_grown_set_attached_in_any_order_equals_rebuild(tmp_path, seed):
    rows = [r for r in notice_rows(load_grown()) if r["id"].split(":")[1] in ADDED]
    rebuilt = connect(tmp_path / "rebuilt.db")
    insert_notices(rebuilt, rows)
    rebuild_incidents(rebuilt)
    attached = connect(tmp_path / "attached.db")
    random.Random(seed).shuffle(rows)
    for row in rows:
        insert_notices(attached, [row])
        attach_notice(attached, row["id"])
    query = "select id, incident_id from notices order by id"
    assert attached.execute(query).fetchall() == rebuilt.execute(query).fetchall()
    flags = "select id, date_flags from incidents order by id"
    assert attached.execute(flags).fetchall() == rebuilt.execute(flags).fetchall()
    reviews = "select notice_id, candidate_notice_id, reason from incident_review order by 1, 2"
    assert attached.execute(reviews).fetchall() == rebuilt.execute(reviews).fetchall()
    flagged = [json.loads(v) for (v,) in rebuilt.execute(
        "select date_flags from incidents where date_flags is not null")]  # fmt: skip
    assert flagged  # the typo cases carry their flags into the incident


def _added_ids() -> set[str]:
    ids = set()
    for line in ADDITIONS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            ids.add(line.split("\t")[1].split(":")[1])
    return ids


ADDED = _added_ids()
