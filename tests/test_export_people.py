"""The incident CSV a journalist opens: readable columns, report-date order, Excel's BOM,
on a database made by a real crawl of the local CA and Maine portals."""

import codecs
import csv
import json

import pytest
from helpers import rows, scrapy_command
from test_datasette import crawl_database

from crawler import export_rows


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    return crawl_database(tmp_path_factory.mktemp("export"))


def read(path, encoding="utf-8") -> list[dict]:
    with open(path, newline="", encoding=encoding) as handle:
        return list(csv.DictReader(handle))


def test_incident_csv_has_what_a_journalist_asks_for(crawled, tmp_path):
    out = tmp_path / "incidents.csv"
    result = scrapy_command(["export", "--since", "2000-01-01", "-o", str(out)], crawled)
    assert result.returncode == 0, result
    assert not out.read_bytes().startswith(codecs.BOM_UTF8)  # plain UTF-8 unless asked
    exported = read(out)
    assert list(exported[0]) == [name for name, _ in export_rows.INCIDENT_COLUMNS]
    incidents = {r["id"]: r for r in rows(crawled, "select * from incidents")}
    assert {r["incident_id"] for r in exported} == set(incidents)
    reported = [r["first_reported_date"] for r in exported]
    assert reported == sorted(reported)  # ordered by first reported date
    for row in exported:
        incident = incidents[row["incident_id"]]
        notices = rows(crawled, "select * from notices where incident_id = ? "
                       "order by reported_date, id", (incident["id"],))  # fmt: skip
        assert row["states"] == "; ".join(json.loads(incident["states"]))
        assert row["notice_urls"].split() == [n["url"] for n in notices]
        letters = {u for n in notices for u in json.loads(n["notice_urls"] or "[]")}
        assert set(row["letter_urls"].split()) == letters
        types = {t for n in notices for t in json.loads(n["data_types"] or "[]")}
        assert set(filter(None, row["data_types"].split("; "))) == types
        orgs = {n["organization_type"] for n in notices if n["organization_type"]}
        assert set(filter(None, row["organization_type"].split("; "))) == orgs
        flags = {f for n in notices for f in json.loads(n["flags"] or "[]")}
        assert set(filter(None, row["flags"].split("; "))) == flags
        if incident["breach_start"]:
            assert row["breach_period"].startswith(incident["breach_start"][:4])
    # The crawl gave real values to every new column somewhere.
    for column in ("letter_urls", "data_types", "organization_type", "residents_by_state"):
        assert any(r[column] for r in exported), column
    both = [r for r in exported if r["states"] == "CA; ME"]
    assert both
    assert any(r["residents_by_state"].startswith("ME: ") for r in both)


def test_excel_option_writes_a_byte_order_mark_and_the_same_rows(crawled, tmp_path):
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    for path, extra in ((plain, []), (excel, ["--excel"])):
        result = scrapy_command(
            ["export", "--since", "2000-01-01", *extra, "-o", str(path)], crawled
        )
        assert result.returncode == 0, result
    assert excel.read_bytes() == codecs.BOM_UTF8 + plain.read_bytes()
    assert read(excel, encoding="utf-8-sig") == read(plain)
    stdout = scrapy_command(["export", "--since", "2000-01-01", "--excel", "-o", "-"], crawled)
    assert stdout.returncode == 0
    assert stdout.log.startswith("\ufeffincident_id,")


@pytest.mark.parametrize(
    ("start", "end", "precision", "expected"),
    [
        ("2024-01-02", "2024-01-02", "day", "2024-01-02"),
        ("2024-01-02", "2024-02-10", "day", "2024-01-02 to 2024-02-10"),
        ("2024-03-01", "2024-03-31", "month", "2024-03"),
        ("2024-03-01", "2024-05-31", "month", "2024-03 to 2024-05"),
        ("2023-01-01", "2023-12-31", "year", "2023"),
        (None, None, None, ""),
    ],
)
def test_breach_period_is_as_precise_as_the_notices(start, end, precision, expected):
    assert export_rows.breach_period(start, end, precision) == expected
