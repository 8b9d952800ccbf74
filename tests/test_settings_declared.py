"""Every knob the crawler reads is declared, with its default, in crawler/settings.py."""

import os
import re
import subprocess
import sys
from pathlib import Path

from scrapy.settings import default_settings

import crawler.settings as project_settings

ROOT = Path(__file__).resolve().parents[1]
# settings.get("X"), settings.getint("X"), ..., and the notifier's _setting(settings, "X").
_READ = re.compile(
    r"""(?:settings\.get\w*|_setting)\(\s*(?:settings,\s*)?["']([A-Z][A-Z0-9_]+)["']"""
)


def names_read() -> dict[str, str]:
    found = {}
    for folder in ("crawler", "pipelines"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for match in _READ.finditer(path.read_text(encoding="utf-8")):
                found.setdefault(match[1], str(path.relative_to(ROOT)))
    return found


def test_every_setting_read_is_scrapys_or_declared_in_settings_py():
    read = names_read()
    assert "BREACH_WEBHOOK_URL" in read  # the scan sees the notifier's reads
    undeclared = {
        name: where
        for name, where in read.items()
        if not hasattr(default_settings, name) and not hasattr(project_settings, name)
    }
    assert undeclared == {}


def test_notify_knobs_keep_their_environment_override():
    code = (
        "from scrapy.utils.project import get_project_settings as g; s = g(); "
        "print(s.getint('BREACH_WEBHOOK_ATTEMPTS'), s.getint('BREACH_FEED_ENTRIES'), "
        "repr(s.get('BREACH_WATCHLIST')))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BREACH_")}
    plain = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                           text=True, check=True)  # fmt: skip
    assert plain.stdout.split() == ["4", "100", "''"]
    env.update(BREACH_WEBHOOK_ATTEMPTS="7", BREACH_WATCHLIST="/tmp/w.txt")
    overridden = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                capture_output=True, text=True, check=True)  # fmt: skip
    assert overridden.stdout.split() == ["7", "100", "'/tmp/w.txt'"]
