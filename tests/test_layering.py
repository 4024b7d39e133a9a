"""The layering contract, read from the import statements (ast) of every module of the project,
including imports inside functions:

- the store imports nothing else of the project (it owns its errors and its time format);
- parsers import no store, no Scrapy, no scheduler and no spider, not even through the crawler
  modules they use (the parser kit: items, errors, expectations, text, places, routing);
- the scheduler is used by the CLI only: no other module imports it, and it never imports the CLI;
- spiders reach the store only through the crawl's session, never by importing store/;
- nothing imports the tests.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGES = ("kit", "crawler", "spiders", "scheduler", "store", "places", "alerts", "research", "operations", "cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """Every module an import statement of `name` names (absolute; relative ones resolved)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return found


def project(imported: set[str]) -> set[str]:
    return {name for name in imported if name.split(".")[0] in PACKAGES + ("tests",)}


def closure(name: str) -> set[str]:
    """The project modules `name` imports, directly or through other project modules."""
    seen, todo = set(), [name]
    while todo:
        for imported in project(imports_of(todo.pop())):
            module = imported if imported in MODULES else imported.rpartition(".")[0]
            if module in MODULES and module not in seen:
                seen.add(module)
                todo.append(module)
    return seen


def top(name: str) -> str:
    return name.split(".")[0]


PARSERS = sorted(n for n in MODULES if n.startswith("spiders.parsers."))


def test_the_contract_sees_every_package():
    assert {top(n) for n in MODULES} == set(PACKAGES)
    assert "spiders.parsers.c40_accelerators" in PARSERS


@pytest.mark.parametrize("name", sorted(n for n in MODULES if top(n) == "store"))
def test_the_store_imports_nothing_else_of_the_project(name):
    assert {top(i) for i in project(imports_of(name))} <= {"store"}, project(imports_of(name))


@pytest.mark.parametrize("name", PARSERS)
def test_parsers_import_no_store_scrapy_scheduler_or_spider(name):
    reached = closure(name) | {name}
    forbidden = {m for m in reached if top(m) in ("store", "scheduler", "tests")
                 or (top(m) == "spiders" and not m.startswith("spiders.parsers"))}
    assert not forbidden, f"{name} reaches {sorted(forbidden)}"
    third_party = set().union(*(imports_of(m) for m in reached))
    assert not {i for i in third_party if top(i) in ("scrapy", "twisted")}, f"{name} reaches Scrapy"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if top(n) != "scheduler"))
def test_only_the_cli_imports_the_scheduler(name):
    if name.startswith("cli.main"):
        return
    assert not {i for i in project(imports_of(name)) if top(i) == "scheduler"}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if top(n) == "scheduler"))
def test_the_scheduler_never_imports_the_cli_or_spiders(name):
    bad = {i for i in project(imports_of(name)) if i.startswith("cli.main") or top(i) == "spiders"}
    assert not bad


@pytest.mark.parametrize("name", sorted(n for n in MODULES if top(n) == "spiders"))
def test_spiders_never_import_the_store(name):
    assert not {i for i in project(imports_of(name)) if top(i) == "store"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_nothing_imports_the_tests(name):
    assert not {i for i in project(imports_of(name)) if top(i) == "tests"}


def test_the_contract_catches_a_violation(tmp_path, monkeypatch):
    """A parser that imports the store, through a crawler module, is caught."""
    monkeypatch.setitem(MODULES, "spiders.parsers.bad", tmp_path / "bad.py")
    monkeypatch.setitem(MODULES, "crawler.leaky", tmp_path / "leaky.py")
    (tmp_path / "bad.py").write_text("from crawler import leaky\n")
    (tmp_path / "leaky.py").write_text("def f():\n    from store.ingest import begin_scope\n")
    with pytest.raises(AssertionError, match="store.ingest"):
        test_parsers_import_no_store_scrapy_scheduler_or_spider("spiders.parsers.bad")


def test_middlewares_reach_the_session_not_the_pipeline():
    """The session belongs to its extension; the downloader middlewares never import the pipeline."""
    assert "crawler.pipelines" not in project(imports_of("crawler.middlewares"))
    assert "crawler.session" in project(imports_of("crawler.middlewares"))
