"""The house's layering contract, read from the source of every module of the project (ast),
imports inside functions included. Each room (top-level package; `spiders.parsers` is a room of
its own inside `spiders/`) may import only the rooms below it:

    kit -> nothing             store -> nothing           places -> kit
    alerts -> kit, store       spiders.parsers -> kit, places
    spiders -> kit, places, spiders.parsers               crawler -> kit, places, store, alerts
    research -> kit, places, store
    operations -> kit, places, store, alerts, crawler, spiders.parsers
    scheduler -> kit, store, alerts, crawler              cli -> anything

Nothing imports the command line or the tests; only the command line imports the scheduler; the
rooms form no cycle, nor do the command line's modules; and SQL is written only in store/ (and in
places/, whose gazetteer keeps its own cache file). Each check is shown catching a planted violation.
"""

import ast
import functools
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGES = ("kit", "crawler", "spiders", "scheduler", "store", "places", "alerts", "research", "operations", "cli")

ALLOWED = {
    "kit": set(),
    "store": set(),
    "places": {"kit"},
    "alerts": {"kit", "store"},
    "spiders.parsers": {"kit", "places"},
    "spiders": {"kit", "places", "spiders.parsers"},
    "crawler": {"kit", "places", "store", "alerts"},
    "research": {"kit", "places", "store"},
    "operations": {"kit", "places", "store", "alerts", "crawler", "spiders.parsers"},
    "scheduler": {"kit", "store", "alerts", "crawler"},
    "cli": {"kit", "store", "places", "alerts", "spiders.parsers", "spiders", "crawler", "research", "operations",
            "scheduler"},
}
# Rooms whose modules may write SQL: the store, and the gazetteer's own cache file.
SQL_ROOMS = {"store", "places"}
# SQL waiting for a rewrite on another branch (issue 17: the Covenant importer goes through the
# crawl's session); the scan still covers every other line of the project.
SQL_PENDING: set[str] = set()  # modules whose SQL is still to move (none: the importer writes through the session)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """Every module an import statement of `name` names (absolute; relative ones resolved)."""
    return set(_imports_in(name, MODULES[name]))


@functools.cache  # per (module, file): a planted module is a file of its own; ~600 checks read ~150 files
def _imports_in(name: str, path: Path) -> frozenset[str]:
    tree = _tree(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return frozenset(found)


def _statements(node):
    """Every statement under `node`, at any depth (an import is a statement, so the walk never goes
    into expressions, which are most of a tree's nodes)."""
    for field in ("body", "orelse", "finalbody", "handlers", "cases"):
        for child in getattr(node, field, ()):
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                yield child
                yield from _statements(child)


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def project(imported: set[str]) -> set[str]:
    return {name for name in imported if name.split(".")[0] in PACKAGES + ("tests",)}


def module_of(imported: str) -> str | None:
    """The project module an imported name is (or lives in)."""
    while imported and imported not in MODULES:
        imported = imported.rpartition(".")[0]
    return imported or None


def closure(name: str) -> set[str]:
    """The project modules `name` imports, directly or through other project modules."""
    seen, todo = set(), [name]
    while todo:
        for imported in project(imports_of(todo.pop())):
            module = module_of(imported)
            if module and module not in seen:
                seen.add(module)
                todo.append(module)
    return seen


def top(name: str) -> str:
    return name.split(".")[0]


def room(name: str) -> str:
    return "spiders.parsers" if name == "spiders.parsers" or name.startswith("spiders.parsers.") else top(name)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph (its nodes, the first repeated at the end), or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def room_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name in MODULES:
        graph.setdefault(room(name), set()).update(
            room(i) for i in project(imports_of(name)) if room(i) != room(name) and top(i) != "tests")
    return graph


def cli_module_graph() -> dict[str, set[str]]:
    return {name: {module_of(i) for i in project(imports_of(name)) if top(i) == "cli"} - {name, None}
            for name in MODULES if top(name) == "cli"}


# -- SQL: where it may be written -------------------------------------------------------------

_SQL_TEXT = re.compile(r"(?is)\b(select\b.+\bfrom|insert\s+(or\s+\w+\s+)?into|update\s+\[?\w+\]?\s+set|delete\s+from"
                       r"|create\s+(table|view|index|trigger)|pragma\s+\w+|alter\s+table|drop\s+table)\b")
# sqlite-utils and sqlite3 calls that run SQL or reach tables directly.
_SQL_CALLS = {"execute", "executemany", "executescript", "query", "table_names", "view_names", "rows_where",
              "count_where", "insert_all", "upsert_all", "upsert"}


def sql_in(path: Path) -> list[str]:
    """Where a module writes SQL: SQL text in a string, a call that runs SQL (`.execute`, `.query`
    ...), the raw connection (`.conn`), or a table reached as `db[...]`; docstrings are prose."""
    return list(_sql_in(path))


@functools.cache  # a failing check names the hits again
def _sql_in(path: Path) -> tuple[str, ...]:
    docstrings = set()
    found = []
    for node in ast.walk(_tree(path)):  # breadth first: a definition comes before its docstring
        if (isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)):
            docstrings.add(id(node.body[0].value))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if _SQL_TEXT.search(node.value):
                found.append((node, f"SQL text {node.value[:40]!r}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SQL_CALLS:
            found.append((node, f".{node.func.attr}(...)"))
        elif isinstance(node, ast.Attribute) and node.attr == "conn":
            found.append((node, ".conn"))
        elif isinstance(node, ast.Subscript) and (
                (isinstance(node.value, ast.Name) and node.value.id == "db")
                or (isinstance(node.value, ast.Attribute) and node.value.attr == "db")):
            found.append((node, "db[...]"))
    return tuple(f"{path.name}:{getattr(node, 'lineno', '?')} {what}" for node, what in found)


# -- the checks ---------------------------------------------------------------------------------

def test_the_contract_sees_every_package_and_pyproject_ships_the_same():
    assert {top(n) for n in MODULES} == set(PACKAGES)
    assert set(ALLOWED) == {room(n) for n in MODULES}
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {pattern.rstrip("*") for pattern in include} == set(PACKAGES)


# Each check runs over every module and lists every offender in one failure: a test item costs
# pytest and its workers about 3 ms of CPU whatever it checks, more than these checks themselves
# (they were one item per module: 600 items). MODULES is read at each call, so a module planted in
# it (the tests at the end) is checked with the others.

def _offenders(messages) -> str:
    return "\n".join(sorted(messages))


def test_each_room_imports_only_the_rooms_below_it():
    offenders = []
    for name in sorted(MODULES):
        bad = {i for i in project(imports_of(name)) if room(i) != room(name) and room(i) not in ALLOWED[room(name)]}
        if bad:
            offenders.append(f"{name} ({room(name)}) may import only {sorted(ALLOWED[room(name)])}, not {sorted(bad)}")
    assert not offenders, _offenders(offenders)


def test_nothing_imports_the_cli_or_the_tests():
    offenders = []
    for name in sorted(MODULES):
        bad = {i for i in project(imports_of(name)) if top(i) == "tests" or (top(i) == "cli" and top(name) != "cli")}
        if bad:
            offenders.append(f"{name} imports {sorted(bad)}")
    assert not offenders, _offenders(offenders)


def test_only_the_cli_imports_the_scheduler():
    offenders = [f"{name} imports the scheduler" for name in sorted(n for n in MODULES if top(n) not in ("scheduler", "cli"))
                 if any(top(i) == "scheduler" for i in project(imports_of(name)))]
    assert not offenders, _offenders(offenders)


def test_the_rooms_form_no_cycle():
    assert find_cycle(room_graph()) is None, " -> ".join(find_cycle(room_graph()))


def test_the_command_line_modules_form_no_cycle():
    assert find_cycle(cli_module_graph()) is None, " -> ".join(find_cycle(cli_module_graph()))


def test_no_sql_outside_the_store():
    offenders = [f"{name} writes SQL (move it to a function of store/): {sql_in(MODULES[name])}"
                 for name in sorted(n for n in MODULES if room(n) not in SQL_ROOMS and n not in SQL_PENDING)
                 if sql_in(MODULES[name])]
    assert not offenders, _offenders(offenders)


def test_the_store_writes_sql_the_scan_sees():
    """The scan is not blind: it finds the SQL the store writes."""
    assert any("SQL text" in hit for hit in sql_in(MODULES["store.history"]))
    assert any(".query(" in hit for hit in sql_in(MODULES["store.runs"]))


def test_parsers_reach_no_scrapy():
    offenders = []
    for name in sorted(n for n in MODULES if n.startswith("spiders.parsers.")):
        reached = closure(name) | {name}
        third_party = set().union(*(imports_of(m) for m in reached))
        if any(top(i) in ("scrapy", "twisted") for i in third_party):
            offenders.append(f"{name} reaches Scrapy")
    assert not offenders, _offenders(offenders)


def test_middlewares_reach_the_session_not_the_pipeline():
    """The session belongs to its extension; the downloader middlewares never import the pipeline."""
    assert "crawler.pipelines" not in project(imports_of("crawler.middlewares"))
    assert "crawler.session" in project(imports_of("crawler.middlewares"))


# -- each check catches a planted violation ------------------------------------------------------

def _plant(tmp_path, monkeypatch, name: str, source: str) -> None:
    path = tmp_path / (name.replace(".", "_") + ".py")
    path.write_text(source)
    monkeypatch.setitem(MODULES, name, path)


def test_a_room_importing_above_itself_is_caught(tmp_path, monkeypatch):
    _plant(tmp_path, monkeypatch, "spiders.bad", "def f():\n    from crawler.download_handlers import archive_index\n")
    with pytest.raises(AssertionError, match=r"spiders\.bad \(spiders\) may import only .*crawler\.download_handlers"):
        test_each_room_imports_only_the_rooms_below_it()
    monkeypatch.delitem(MODULES, "spiders.bad")
    _plant(tmp_path, monkeypatch, "kit.bad", "from store import open_db\n")
    with pytest.raises(AssertionError, match=r"kit\.bad \(kit\) may import only .*, not \['store'\]"):
        test_each_room_imports_only_the_rooms_below_it()


def test_a_parser_reaching_scrapy_through_another_module_is_caught(tmp_path, monkeypatch):
    _plant(tmp_path, monkeypatch, "spiders.parsers.bad", "from kit import leaky\n")
    _plant(tmp_path, monkeypatch, "kit.leaky", "def f():\n    import scrapy\n")
    with pytest.raises(AssertionError, match=r"spiders\.parsers\.bad reaches Scrapy"):
        test_parsers_reach_no_scrapy()


def test_importing_the_cli_or_the_scheduler_is_caught(tmp_path, monkeypatch):
    _plant(tmp_path, monkeypatch, "operations.bad", "from cli.common import open_store\n")
    with pytest.raises(AssertionError, match=r"operations\.bad imports \['cli\.common'\]"):
        test_nothing_imports_the_cli_or_the_tests()
    _plant(tmp_path, monkeypatch, "crawler.bad", "from scheduler.main import build_scheduler\n")
    with pytest.raises(AssertionError, match=r"crawler\.bad imports the scheduler"):
        test_only_the_cli_imports_the_scheduler()


def test_a_package_cycle_is_caught(tmp_path, monkeypatch):
    _plant(tmp_path, monkeypatch, "store.bad", "from alerts import render\n")  # alerts imports the store
    with pytest.raises(AssertionError, match="alerts -> store -> alerts|store -> alerts -> store"):
        test_the_rooms_form_no_cycle()


def test_a_module_cycle_in_the_cli_is_caught(tmp_path, monkeypatch):
    _plant(tmp_path, monkeypatch, "cli.common", "def f():\n    from cli.main import cli\n")
    with pytest.raises(AssertionError, match="cli.common -> cli.main"):
        test_the_command_line_modules_form_no_cycle()


@pytest.mark.parametrize("source, what", [
    ('rows = db.query("select key from instruments")\n', "SQL text"),
    ("n = db.conn.execute(QUERY).fetchone()\n", ".conn"),
    ("columns = db[table].columns_dict\n", "db[...]"),
    ("db.execute(statement)\n", ".execute"),
    ('SQL = """update signatures\n   set removed_at = ?"""\n', "SQL text"),
])
def test_sql_outside_the_store_is_caught(tmp_path, monkeypatch, source, what):
    _plant(tmp_path, monkeypatch, "research.bad", source)
    with pytest.raises(AssertionError, match=re.escape("research.bad writes SQL") + ".*" + re.escape(what)):
        test_no_sql_outside_the_store()


def test_prose_is_not_sql(tmp_path, monkeypatch):
    _plant(tmp_path, monkeypatch, "research.prose",
           '"""Pick the rows you want, then select a file from the list."""\nHELP = "Update the list"\n')
    test_no_sql_outside_the_store()  # every module, the planted prose among them
