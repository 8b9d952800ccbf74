"""A database path that cannot be used is one line naming it, exit 2, and nothing written."""

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import ROOT, rows, scrapy_command

from crawler.store.db import connect

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2  # linux/prctl.h, capability.h


def quiet(command: list[str], db):
    """The command with Scrapy's own start-up lines (INFO) off: what is left is ours."""
    return scrapy_command(command, db, settings={"LOG_LEVEL": "WARNING"})


def one_line_error(result, path) -> str:
    lines = [line for line in result.log.splitlines() if line.strip()]
    assert len(lines) == 1, result
    assert str(path) in lines[0]
    assert "Traceback" not in result.log
    return lines[0]


@pytest.mark.parametrize("command", [["crawl", "ca_ag"], ["nightly", "--only", "ca_ag"]])
def test_a_directory_given_as_the_database(tmp_path, command):
    result = quiet(command, tmp_path)
    assert result.returncode == 2
    assert "is a directory" in one_line_error(result, tmp_path)


@pytest.mark.parametrize("command", [["crawl", "ca_ag"], ["nightly"]])
def test_a_folder_that_cannot_be_created(tmp_path, command):
    (tmp_path / "file.txt").write_text("not a folder")
    db = tmp_path / "file.txt" / "sub" / "b.db"
    result = quiet(command, db)
    assert result.returncode == 2
    assert "cannot create folder" in one_line_error(result, db)


@pytest.mark.parametrize(
    "command", [["health"], ["export"], ["check_incidents"], ["rebuild_incidents"]]
)
def test_a_command_that_only_reads_never_creates_a_missing_database(tmp_path, command):
    # A mistyped path would otherwise become a new, empty database reported as "all well".
    db = tmp_path / "typo" / "breaches.db"
    result = quiet(command, db)
    assert result.returncode == 2
    assert "no database at" in one_line_error(result, db)
    assert not (tmp_path / "typo").exists()


def test_a_device_file_is_not_a_database(tmp_path):
    result = quiet(["crawl", "ca_ag", "-a", "base_url=http://127.0.0.1:9/ca"], "/dev/null")
    assert result.returncode == 2
    assert "is not a regular file" in one_line_error(result, "/dev/null")


@pytest.fixture
def read_only_folder():
    """A folder this test's crawls cannot write into, holding an existing database."""
    top = Path(tempfile.mkdtemp(prefix="breach-ro-"))
    os.chmod(top, 0o755)
    folder = top / "data"
    folder.mkdir()
    connect(folder / "b.db").conn.close()
    os.chmod(folder, 0o555)
    os.chmod(folder / "b.db", 0o444)
    yield folder
    os.chmod(folder, 0o755)
    shutil.rmtree(top)


def run_unprivileged(args: list[str], db) -> subprocess.CompletedProcess:
    env = {**os.environ, "BREACH_DB_PATH": str(db)}
    demote = None
    if os.geteuid() == 0:

        def demote():
            # Root writes anywhere through CAP_DAC_OVERRIDE (and reads through
            # CAP_DAC_READ_SEARCH): drop both from the child's bounding set, so file
            # permissions apply to it as to any user.
            libc = ctypes.CDLL(None, use_errno=True)
            for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
                if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args, "-s", "FEEDS={}", "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False, preexec_fn=demote,
    )  # fmt: skip


@pytest.mark.parametrize("command", [["crawl", "ca_ag"], ["nightly"]])
@pytest.mark.parametrize("name", ["b.db", "new.db"])
def test_a_read_only_folder(read_only_folder, command, name):
    db = read_only_folder / name
    proc = run_unprivileged(command, db)
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(lines) == 1, lines
    assert str(db) in lines[0]
    assert "not writable" in lines[0]
    assert sorted(p.name for p in read_only_folder.iterdir()) == ["b.db"]
    assert rows(read_only_folder / "b.db", "select count(*) n from crawl_runs") == [{"n": 0}]


LIVE = "https://oag.ca.gov"
LOCAL = "http://127.0.0.1:8123/ca"


def add_run(db_path, spider: str, base_url: str, status: str = "ok") -> None:
    db = connect(db_path)
    with db.conn:
        db["crawl_runs"].insert(
            {"spider": spider, "mode": "nightly", "base_url": base_url,
             "started_at": "2026-11-30T00:00:00+00:00", "finished_at": "2026-11-30T00:01:00+00:00",
             "source_status": status, "status_reason": "", "notices_unchanged": 5}
        )  # fmt: skip
    db.conn.close()


def test_health_after_a_demo_explains_local_only_history(tmp_path):
    db = tmp_path / "b.db"
    for spider in ("ca_ag", "me_ag", "agg_rankiteo", "agg_csidb"):
        add_run(db, spider, LOCAL)
    result = scrapy_command(["health"], db)
    assert result.returncode == 0, result
    notes = [line for line in result.log.splitlines() if "only local runs recorded" in line]
    assert len(notes) == 4, result
    assert "1 run(s) against http://127.0.0.1:8123/ca, the latest ok" in notes[0]
    assert "no_runs" not in result.log


def test_health_with_live_history_still_fails_a_source_that_never_ran_live(tmp_path):
    db = tmp_path / "b.db"
    add_run(db, "ca_ag", LOCAL)
    add_run(db, "me_ag", "https://maine.example")
    result = scrapy_command(["health", "--only", "ca_ag", "--max-age-hours", "0"], db)
    assert result.returncode == 1, result
    assert "ca_ag: local_only: only local runs recorded" in result.log


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("db", ["/proc/x.db", "/proc/no-such-folder/x.db"])
def test_a_folder_on_a_filesystem_that_refuses_new_files_says_so(tmp_path, db):
    # The kernel answers "No such file or directory" for a file made in /proc, a folder that
    # exists: the message gives the real reason instead.
    result = quiet(["crawl", "ca_ag"], Path(db))
    assert result.returncode == 2
    line = one_line_error(result, db)
    assert "the proc filesystem mounted at /proc does not let files be created in it" in line
    assert "No such file or directory" not in line


def test_a_file_name_too_long_for_the_filesystem_is_named_as_such(tmp_path):
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    db = tmp_path / ("b" * (limit - 5) + ".db")  # fits itself; its -journal would not
    result = quiet(["crawl", "ca_ag"], db)
    assert result.returncode == 2
    line = one_line_error(result, db)
    assert "the file name is too long" in line
    assert "not writable" not in line
    assert list(tmp_path.iterdir()) == []
