"""Package boundaries: `pipelines/` (Scrapy adapters) import `crawler.*`, never the reverse.

Read from the source with `ast`, every import statement anywhere in a module (functions
included), so a lazy import inside a function counts too.
"""

import ast
from pathlib import Path

from helpers import ROOT


def imported_modules(source: str, module: str) -> set[str]:
    """Absolute names of the modules `source` (the module called `module`) imports."""
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                found.add(".".join([*base, node.module] if node.module else base))
            else:
                found.add(node.module)
    return found


def modules_under(folder: str) -> dict[str, str]:
    out = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path.read_text(encoding="utf-8")
    return out


def violations(folder: str, forbidden: str) -> list[str]:
    return [
        f"{name} imports {target}"
        for name, source in modules_under(folder).items()
        for target in sorted(imported_modules(source, name))
        if target == forbidden or target.startswith(forbidden + ".")
    ]


def test_nothing_under_crawler_imports_pipelines():
    assert violations("crawler", "pipelines") == []


def test_pipelines_use_the_crawler_package_and_nothing_else_of_ours():
    ours = ("crawler", "pipelines", "localportal", "tests", "bench", "eval")
    for name, source in modules_under("pipelines").items():
        for target in imported_modules(source, name):
            top = target.split(".")[0]
            assert top not in ours or top == "crawler", f"{name} imports {target}"
    imports = {t for n, s in modules_under("pipelines").items() for t in imported_modules(s, n)}
    assert any(t.startswith("crawler.store") for t in imports)  # the adapters use the core


def test_the_check_sees_every_kind_of_import(tmp_path):
    lazy = "def f():\n    import pipelines.db\n"
    assert imported_modules(lazy, "crawler.x") == {"pipelines.db"}
    assert imported_modules("from pipelines import store", "crawler.x") == {"pipelines"}
    relative = "from ..pipelines.store import X"  # would resolve to crawler.pipelines.store
    assert imported_modules(relative, "crawler.store.db") == {"crawler.pipelines.store"}
    assert imported_modules("from . import db", "crawler.store.session") == {"crawler.store"}


def test_the_folders_checked_exist():
    assert len(modules_under("crawler")) > 20
    assert {"pipelines.store", "pipelines.dedupe"} <= set(modules_under("pipelines"))
    assert Path(ROOT / "crawler" / "store" / "db.py").exists()
