"""Modules of the store, the exports and the local Maine copy stay under about 300 lines:
each does one job, and a reader finds it in one place."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 300
MODULES = [
    "crawler/exporting.py",
    "crawler/export_rows.py",
    "crawler/extensions.py",
    "crawler/commands/export.py",
    "localportal/me.py",
    "localportal/me_notices.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "crawler" / "store").glob("*.py")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "datasette-plugins").glob("*.py")),
]


@pytest.mark.parametrize("module", MODULES)
def test_module_is_under_the_size_limit(module):
    lines = len((ROOT / module).read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{module} has {lines} lines; split it by responsibility"
