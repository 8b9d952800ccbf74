"""What each change bought: the same full crawls at several commits, against one server.

Each commit is checked out into a temporary git worktree; its crawls run from there (the
project venv, that commit's code: `python -m scrapy` finds the checkout's `crawler` package
first). One realistic server (bench/realistic.py of the current checkout) serves every crawl,
and the commits' crawls of one source run back to back, then again in reverse order, so a
change in the machine's load touches every commit alike. A bare crawl runs in each round too.

    python bench/steps.py --ca 10000 --me 3000 COMMIT [COMMIT ...] [--out steps.json]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawls import PY, ROOT, Copy, bare, log, run_measured


def crawl(checkout: Path, copy: Copy, prefix: str, spider: str, db: Path) -> dict:
    for old in db.parent.glob(db.name + "*"):
        old.unlink()
    cmd = [PY, "-m", "scrapy", "crawl", spider, "-a", "mode=backfill",
           "-a", f"base_url={copy.root}/{prefix}", "-s", "LOG_LEVEL=WARNING",
           "-s", "FEEDS=" + json.dumps({str(db.parent / "feed-%(name)s-%(time)s.jsonl"):
                                        {"format": "jsonlines"}})]  # fmt: skip
    return run_measured(cmd, env={"BREACH_DB_PATH": str(db)}, cwd=checkout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commits", nargs="+")
    parser.add_argument("--ca", type=int, default=10_000)
    parser.add_argument("--me", type=int, default=3_000)
    parser.add_argument("--sources", nargs="+", default=["ca", "me"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="breach-steps-"))
    trees = {}
    for commit in args.commits:
        tree = tmp / commit
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT,
                       check=True, capture_output=True)  # fmt: skip
        trees[commit] = tree
    copy = Copy(args.ca, args.me)
    results: dict = {}
    try:
        for prefix, spider in (("ca", "ca_ag"), ("me", "me_ag")):
            if prefix not in args.sources:
                continue
            for order in (args.commits, list(reversed(args.commits))):
                b = bare(copy, prefix, tmp)
                results.setdefault(spider, {}).setdefault("bare", []).append(b)
                log(f"{spider} bare: wall {b['wall']:.1f} cpu {b['cpu']:.1f} load {b['load']:.2f}")
                for commit in order:
                    r = crawl(trees[commit], copy, prefix, spider, tmp / "db" / "b.db")
                    results[spider].setdefault(commit, []).append(r)
                    log(f"{spider} {commit}: wall {r['wall']:.1f} cpu {r['cpu']:.1f} "
                        f"rss {r['rss_mb']:.0f} rc {r['rc']} load {r['load']:.2f}")  # fmt: skip
    finally:
        copy.stop()
        for tree in trees.values():
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                           capture_output=True)  # fmt: skip
    clean = {s: {k: [{x: y for x, y in r.items() if x != "out"} for r in v]
                 for k, v in by.items()} for s, by in results.items()}  # fmt: skip
    text = json.dumps(clean, indent=1)
    (args.out or tmp / "steps.json").write_text(text)
    print("| source | code | CPU (s), each round | mean CPU / mean bare CPU |")
    print("|---|---|---|---:|")
    for spider, by in clean.items():
        bare_cpu = sum(r["cpu"] for r in by["bare"]) / len(by["bare"])
        for key, runs in by.items():
            cpu = [r["cpu"] for r in runs]
            print(f"| {spider} | {key} | {', '.join(f'{c:.1f}' for c in cpu)} "
                  f"| {sum(cpu) / len(cpu) / bare_cpu:.2f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
