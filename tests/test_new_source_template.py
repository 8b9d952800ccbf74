"""A spider made from the genspider templates joins no scheduled run until modes are added.

The templates are rendered by the real `scrapy genspider` in a copy of the package (the
repository's own crawler/spiders/ is never written to), then read through the registry.
"""

import os
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT

CHECK = """
from crawler import sources
source = sources.source_info("{name}")
cls = source.spider_class
cls.check_arguments(mode="backfill")
print(source.modes, source.nightly, source.backfill, cls.default_mode())
print("{name}" in [s.name for s in sources.nightly_sources()], "ca_ag" in sources.names())
"""


@pytest.fixture
def project_copy(tmp_path):
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("crawler", "pipelines"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=ignore)
    shutil.copy(ROOT / "scrapy.cfg", tmp_path / "scrapy.cfg")
    return tmp_path


def run(args, cwd, timeout=60):
    env = {**os.environ, "PYTHONPATH": str(cwd), "BREACH_DB_PATH": str(cwd / "t.db")}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)  # fmt: skip


@pytest.mark.parametrize(
    ("template", "extra"), [("state_portal", ["--jurisdiction", "NJ"]), ("aggregator", [])]
)
def test_a_generated_source_has_no_modes_and_stays_out_of_the_nightly(project_copy, template,
                                                                      extra):  # fmt: skip
    name = f"trial_{template}"
    made = run(["-m", "scrapy", "genspider", "-t", template, *extra, name,
                "https://breaches.example.gov/list"], project_copy)  # fmt: skip
    assert made.returncode == 0, made.stderr
    spider_file = project_copy / "crawler" / "spiders" / f"{name}.py"
    assert "    modes = ()\n" in spider_file.read_text()
    assert str(ROOT) not in spider_file.read_text()
    checked = run(["-c", CHECK.format(name=name)], project_copy)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.split("\n")[:2] == ["() False False nightly", "False True"]
    # Named in a nightly, it is a usage error, not a crawl.
    nightly = run(["-m", "scrapy", "nightly", "--only", name], project_copy)
    assert nightly.returncode == 2, nightly.stderr
    assert f"not a nightly source: {name}" in nightly.stderr
    backfill = run(["-m", "scrapy", "backfill", name], project_copy)
    assert backfill.returncode == 2, backfill.stderr
    assert f"{name} has no backfill" in backfill.stderr


def test_a_name_already_taken_writes_nothing_and_fails(project_copy):
    spiders = project_copy / "crawler" / "spiders"
    before = sorted(p.name for p in spiders.iterdir())
    again = run(["-m", "scrapy", "genspider", "-t", "aggregator", "ca_ag",
                 "https://breaches.example.gov/list"], project_copy)  # fmt: skip
    assert again.returncode == 1, again.stdout
    assert "'ca_ag' already exists" in again.stdout
    assert sorted(p.name for p in spiders.iterdir()) == before
    assert not (project_copy / "tests").exists()  # no fixture folder either
