"""Package boundaries: `pipelines/` (Scrapy adapters) import `crawler.*`, never the reverse.

Read from the source with `ast`, every import statement anywhere in a module (functions
included), so a lazy import inside a function counts too.
"""

import ast
from pathlib import Path

from helpers import ROOT

_IMPORT_CALLS = {"import_module", "__import__"}  # importlib.import_module("x"), __import__("x")


def _package_of(module: str, is_package: bool) -> str:
    """The package a module's relative imports resolve against: a package's `__init__` is
    its own package ("crawler.store" for crawler/store/__init__.py)."""
    return module if is_package else module.rsplit(".", 1)[0]


def module_imports(source: str, module: str, is_package: bool = False) -> list[tuple[str, bool]]:
    """`(absolute module name, lazy)` for every import in `source`: import statements (lazy
    when inside a function) and `importlib.import_module`/`__import__` calls on a string."""
    package = _package_of(module, is_package)
    found: list[tuple[str, bool]] = []

    def visit(node, lazy: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, lazy) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module
            found.append((target, lazy))
            # "from . import db" imports the submodule crawler.store.db.
            found.extend((f"{target}.{a.name}", lazy) for a in node.names if a.name != "*")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0] if node.args else None
            if name in _IMPORT_CALLS and isinstance(getattr(first, "value", None), str):
                found.append((first.value, lazy))
        inner = lazy or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Absolute names of the modules `source` (the module called `module`) imports."""
    return {target for target, _ in module_imports(source, module, is_package)}


def modules_under(folder: str) -> dict[str, tuple[str, bool]]:
    """Module name -> (source, is a package's `__init__`)."""
    out = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        is_package = path.name == "__init__.py"
        out[name.removesuffix(".__init__")] = (path.read_text(encoding="utf-8"), is_package)
    return out


def _is_under(target: str, package: str) -> bool:
    return target == package or target.startswith(package + ".")


def violations(folder: str, forbidden: str) -> list[str]:
    return [
        f"{name} imports {target}"
        for name, (source, is_package) in modules_under(folder).items()
        for target in sorted(imported_modules(source, name, is_package))
        if _is_under(target, forbidden)
    ]


def test_nothing_under_crawler_imports_pipelines():
    assert violations("crawler", "pipelines") == []


def test_pipelines_use_the_crawler_package_and_nothing_else_of_ours():
    ours = ("crawler", "pipelines", "localportal", "tests", "bench", "eval")
    for name, (source, is_package) in modules_under("pipelines").items():
        for target in imported_modules(source, name, is_package):
            top = target.split(".")[0]
            assert top not in ours or top == "crawler", f"{name} imports {target}"
    imports = {
        t for n, (s, p) in modules_under("pipelines").items() for t in imported_modules(s, n, p)
    }
    assert any(t.startswith("crawler.store") for t in imports)  # the adapters use the core


def test_the_check_sees_every_kind_of_import(tmp_path):
    lazy = "def f():\n    import pipelines.db\n"
    assert imported_modules(lazy, "crawler.x") == {"pipelines.db"}
    assert imported_modules("from pipelines import store", "crawler.x") >= {"pipelines"}
    relative = "from ..pipelines.store import X"  # would resolve to crawler.pipelines.store
    assert "crawler.pipelines.store" in imported_modules(relative, "crawler.store.db")
    assert "crawler.store" in imported_modules("from . import db", "crawler.store.session")
    # In a package's __init__, "." is the package itself, not its parent.
    in_init = imported_modules("from .db import connect", "crawler.store", is_package=True)
    assert in_init == {"crawler.store.db", "crawler.store.db.connect"}
    assert imported_modules("from .. import x", "crawler.store", is_package=True) >= {"crawler"}
    dynamic = (
        'import importlib\nimportlib.import_module("pipelines.store")\n__import__("pipelines")'
    )
    assert {"pipelines.store", "pipelines"} <= imported_modules(dynamic, "crawler.x")
    lazy = module_imports("import localportal\ndef f():\n    import localportal.demo\n", "c.x")
    assert lazy == [("localportal", False), ("localportal.demo", True)]


def test_crawler_imports_localportal_only_lazily_in_the_demo_command():
    # The local portal is not installed with the crawler: only `scrapy demo` may use it, and
    # only when run (from a clone); the command says so when it is missing.
    found = [
        (name, target, lazy)
        for name, (source, is_package) in modules_under("crawler").items()
        for target, lazy in module_imports(source, name, is_package)
        if _is_under(target, "localportal")
    ]
    assert all(name == "crawler.commands.demo" and lazy for name, _, lazy in found), found


def test_the_folders_checked_exist():
    assert len(modules_under("crawler")) > 20
    assert {"pipelines.store", "pipelines.dedupe"} <= set(modules_under("pipelines"))
    assert Path(ROOT / "crawler" / "store" / "db.py").exists()
