"""One home per setting: crawler/settings.py's table.

- the settings module's values are the table's (its defaults, or its environment variables), and
  every project setting of the module is in the table (so every prefix, sources' own included);
- a value the code could not use is refused when it is loaded, in one line naming the setting;
- no module of the project retypes a default: no `settings.getint("X", 5)`, `getattr(s, "X", 3)`,
  `settings.get("X") or 5`, `os.environ.get("GLOCAL_...", "...")`, nor a constant shadowing a
  setting (read from the source, ast);
- docs/settings.md states each default as the table does (its environment table is generated).
"""

import ast
import re
from pathlib import Path

import pytest
from scrapy.settings import Settings, default_settings

from crawler import settings as project
from kit.errors import NotConfigured
from tests.test_layering import PACKAGES

ROOT = Path(__file__).parents[2]
SETTINGS_FILE = ROOT / "crawler" / "settings.py"
NAMES = {name for name in dir(project) if name.isupper()}
ENV_NAMES = {setting.env for setting in project.table if setting.env}
GETTERS = {"get", "getint", "getfloat", "getbool", "getlist", "getdict", "getwithbase", "getpriority"}
SOURCES = sorted(p for package in (*PACKAGES, "bench") for p in (ROOT / package).rglob("*.py"))


# -- the table is the settings module ------------------------------------------------------------

def test_the_module_holds_the_tables_values():
    made = project.values(environ={})
    for setting in project.table:
        assert made[setting.name] == setting.default
        assert type(made[setting.name]) is type(setting.default)
    # The suite's own environment may set some (GLOCAL_DB...): the module follows the environment.
    assert {name: getattr(project, name) for name in made} == project.values()


def test_every_project_setting_of_the_module_is_in_the_table():
    """A setting added to the module outside the table (any prefix) fails here: Scrapy's own
    settings are Scrapy's (default_settings), the project's are the table's."""
    scrapy_own = {name for name in dir(default_settings) if name.isupper()}
    outside = sorted(NAMES - scrapy_own - set(project.by_name) - {"BOT_NAME", "SPIDER_MODULES", "NEWSPIDER_MODULE"})
    assert not outside, f"settings outside crawler/settings.py's table: {outside}"
    assert len(project.by_name) == len(project.table), "a setting is in the table twice"


# The checks over every setting are one test each that lists every offender (an item per setting
# cost pytest more than the check).

def test_each_default_is_of_its_type_and_range():
    assert len(project.table) > 50
    offenders = []
    for setting in project.table:
        try:
            if project.converted(setting, setting.default) != setting.default:
                offenders.append(f"{setting.name}: default {setting.default!r} is not what its own conversion gives")
        except NotConfigured as refused:  # out of its own range, or not of its type
            offenders.append(f"{setting.name}: its default is refused: {refused}")
    offenders += [f"{setting.name}: help missing or ending in a full stop (the docs' table adds one)"
                  for setting in project.table if not setting.help or setting.help.endswith(".")]
    assert not offenders, "\n".join(offenders)


# -- refused at load, in one line naming the setting ----------------------------------------------

@pytest.mark.parametrize("name,value,message", [
    ("SCHEDULER_CRAWL_TIMEOUT", 0, "SCHEDULER_CRAWL_TIMEOUT=0 must be more than 0"),
    ("SCHEDULER_CRAWL_TIMEOUT", -5, "SCHEDULER_CRAWL_TIMEOUT=-5 must be more than 0"),
    ("SCHEDULER_JITTER", -1, "SCHEDULER_JITTER=-1 must not be negative"),
    ("SCHEDULER_JITTER", "soon", "SCHEDULER_JITTER='soon' is not a whole number of seconds"),
    ("SCHEDULER_WORKERS", 0, "SCHEDULER_WORKERS=0 must be at least 1"),
    ("STORE_REMOVAL_RUNS", 0, "STORE_REMOVAL_RUNS=0 must be at least 1"),
    ("HEALTH_MAX_DROP_RATIO", 1.5, "HEALTH_MAX_DROP_RATIO=1.5 must be at most 1"),
    ("HEALTH_MAX_ERRORS", "not-json", "HEALTH_MAX_ERRORS='not-json' is not a whole number"),
    ("CRAWL_FULL", "maybe", "CRAWL_FULL='maybe' is not true or false"),
    ("SCHEDULER_SCHEDULES", "{not json", "SCHEDULER_SCHEDULES='{not json' is not a JSON object"),
    ("STORE_DB_PATH", None, "STORE_DB_PATH=None must be set (the SQLite file of the store)"),
])
def test_a_value_the_code_cannot_use_is_refused_by_name(name, value, message):
    with pytest.raises(NotConfigured) as refused:
        project.check(Settings({name: value}))
    assert str(refused.value) == message


def test_values_the_code_can_use_pass_as_they_are_written_on_the_command_line():
    project.check(Settings({"SCHEDULER_JITTER": "0", "CRAWL_FULL": "true", "SCHEDULER_CRAWL_TIMEOUT": "1.5",
                            "UNTC_TREATIES": "IV-8,IV-2", "CRAWL_HOST_MAP": '{"a.org": "127.0.0.1:1"}',
                            "ARCHIVE_DIR": None}))
    assert project.value(Settings({"SCHEDULER_JITTER": "0"}), "SCHEDULER_JITTER") == 0
    assert project.value(Settings(), "STORE_REMOVAL_RUNS") == 2  # absent: the table's default


@pytest.mark.parametrize("variable,value,message", [
    ("GLOCAL_DOWNLOAD_DELAY", "two", "GLOCAL_DOWNLOAD_DELAY='two' is not a number of seconds"),
    ("GLOCAL_BACKFILL_DELAY", "-3", "GLOCAL_BACKFILL_DELAY='-3' must not be negative"),
])
def test_an_environment_variable_is_refused_by_its_own_name(variable, value, message):
    with pytest.raises(NotConfigured) as refused:
        project.values(environ={variable: value})
    assert str(refused.value) == message


def test_environment_variables_replace_defaults_typed():
    made = project.values(environ={"GLOCAL_DOWNLOAD_DELAY": "0.25", "GLOCAL_DB": "/x/g.db",
                                   "GLOCAL_COVENANT_OPEN_DATA_URL": ""})
    assert (made["DOWNLOAD_DELAY"], made["STORE_DB_PATH"], made["COVENANT_OPEN_DATA_URL"]) == (0.25, "/x/g.db", None)
    assert project.from_environment("LOG_LEVEL", environ={}) is None
    assert project.from_environment("LOG_LEVEL", environ={"GLOCAL_LOG_LEVEL": "DEBUG"}) == "DEBUG"


@pytest.mark.parametrize("name,value,message", [
    ("SCHEDULER_CRAWL_TIMEOUT", 0, "SCHEDULER_CRAWL_TIMEOUT=0 must be more than 0"),
    ("SCHEDULER_JITTER", -60, "SCHEDULER_JITTER=-60 must not be negative"),
])
def test_the_scheduler_refuses_a_bad_value_at_start_up(tmp_path, name, value, message):
    from scheduler.main import build_scheduler
    from tests.scheduler.test_main import SPIDERS, settings

    with pytest.raises(NotConfigured) as refused:
        build_scheduler(settings(**{name: value}), SPIDERS, db_path=tmp_path / "glocal.db")
    assert str(refused.value) == message
    assert not (tmp_path / "glocal.db").exists()  # refused before anything was opened


# -- no literal fallback, no shadowing constant: read from the source ----------------------------

def _constant(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _setting_read(node) -> str | None:
    """The setting a call such as `settings.getint("X")` reads, or None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in GETTERS \
            and node.args and _constant(node.args[0]) in NAMES:
        return _constant(node.args[0])
    return None


def _environment_read(node) -> str | None:
    """The variable `os.environ.get("V", ...)`, `os.getenv("V", ...)` or `os.environ["V"]` reads."""
    if isinstance(node, ast.Call) and node.args:
        func = _dotted(node.func)
        if func in ("os.environ.get", "environ.get", "os.getenv", "getenv", "os.environ.setdefault"):
            return _constant(node.args[0])
    if isinstance(node, ast.Subscript) and _dotted(node.value) in ("os.environ", "environ") \
            and isinstance(node.ctx, ast.Load):
        return _constant(node.slice)
    return None


def _dotted(node) -> str | None:
    """`a.b.c` for a name or a chain of attributes (what ast.unparse writes for them), else None:
    unparsing every call of the project to compare its name cost most of the scan."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def _words(name: str) -> tuple[str, ...]:
    return tuple(name.strip("_").split("_"))


SHADOWED = {_words(name)[-2:]: name for name in project.by_name if len(_words(name)) >= 3}
TEXT_DEFAULTS = {s.default: s.name for s in project.table if isinstance(s.default, str) and len(s.default) > 3}


def _shadowed(name: str, value) -> str | None:
    """The setting a module constant copies: a number named like it (MAX_DROP_RATIO = 0.5 beside
    HEALTH_MAX_DROP_RATIO), or a setting's text default ("0 5 * * *"); else None."""
    if not name.isupper():
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _words(name)[-2:] in SHADOWED:
        return SHADOWED[_words(name)[-2:]]
    return TEXT_DEFAULTS.get(value) if isinstance(value, str) else None


def fallbacks(path: Path, source: str | None = None) -> list[str]:
    """Each place in a module where a project setting's default is written again."""
    source = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(source, filename=str(path))
    home = path.resolve() == SETTINGS_FILE
    where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}"
    found = []
    top_level = {id(statement) for statement in tree.body}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Call, ast.BoolOp, ast.Subscript, ast.Assign)):
            continue  # the only nodes any check below looks at
        line = getattr(node, "lineno", 0)
        name = _setting_read(node)
        if name and (len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)):
            found.append(f"{where}:{line}: {ast.unparse(node)} (a default for {name})")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                and len(node.args) == 3 and _constant(node.args[1]) in NAMES and not home:
            found.append(f"{where}:{line}: {ast.unparse(node)} (a default for {_constant(node.args[1])})")
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and _setting_read(node.values[0]):
            literals = [v for v in node.values[1:] if isinstance(v, ast.Constant) and v.value is not None]
            if literals:
                found.append(f"{where}:{line}: {ast.unparse(node)} (a default for {_setting_read(node.values[0])})")
        variable = _environment_read(node)
        if variable and not home and (variable in ENV_NAMES or (
                variable.startswith("GLOCAL_") and isinstance(node, ast.Call) and len(node.args) > 1)):
            found.append(f"{where}:{line}: {ast.unparse(node)} (the environment of a setting, read outside the table)")
        if isinstance(node, ast.Assign) and not home and id(node) in top_level and isinstance(node.value, ast.Constant):
            for target in node.targets:
                shadowed = _shadowed(target.id, node.value.value) if isinstance(target, ast.Name) else None
                if shadowed:
                    found.append(f"{where}:{line}: {target.id} = {ast.unparse(node.value)} (shadows the setting {shadowed})")
    return found


def test_the_scan_reads_every_room():
    assert {path.relative_to(ROOT).parts[0] for path in SOURCES} == {*PACKAGES, "bench"}


def test_no_module_writes_a_settings_default_again():
    found = [line for path in SOURCES for line in fallbacks(path)]
    assert not found, "defaults live in crawler/settings.py's table only:\n" + "\n".join(found)


PLANTED = '''
import os
from crawler import settings as defaults

MAX_DROP_RATIO = 0.5
DEFAULT_SCHEDULE = "0 5 * * *"

def read(settings, crawler):
    pages = settings.getint("UAP_EVENTS_PAGES", 3)
    on = crawler.settings.getbool("UNFCCC_GCAP_ENABLED", default=False)
    tz = settings.get("SCHEDULER_TIMEZONE") or "UTC"
    k = getattr(settings, "STORE_REMOVAL_RUNS", 2)
    limit = settings.getint("CRAWL_STOP_AFTER_KNOWN", defaults.CRAWL_STOP_AFTER_KNOWN)
    db = os.environ.get("GLOCAL_DB", "data/glocal.db")
    level = os.environ.get("GLOCAL_LOG_LEVEL")
    cache = os.getenv("GLOCAL_ANYTHING", "~/.cache")
    fine = settings.getint("UAP_EVENTS_PAGES"), settings.get("ARCHIVE_DIR") or db, os.environ.get("HOME", "/")
    return pages, on, tz, k, limit, db, level, cache, fine
'''


def test_the_scan_catches_each_kind_of_planted_fallback(tmp_path):
    planted = tmp_path / "planted.py"
    found = fallbacks(planted, PLANTED)
    assert len(found) == 10, "\n".join(found)
    for needle in ("MAX_DROP_RATIO = 0.5", "DEFAULT_SCHEDULE = '0 5 * * *'", '"UAP_EVENTS_PAGES", 3', "default=False", 'or "UTC"',
                   '"STORE_REMOVAL_RUNS", 2', "defaults.CRAWL_STOP_AFTER_KNOWN", '"GLOCAL_DB", "data/glocal.db"',
                   "os.environ.get('GLOCAL_LOG_LEVEL')", "'GLOCAL_ANYTHING', '~/.cache'"):
        assert any(needle.replace('"', "'") in line.replace('"', "'") for line in found), (needle, found)


# -- the docs state the table's defaults ----------------------------------------------------------

def _sections() -> dict[str, str]:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_each_settings_section_states_the_tables_default():
    offenders = []
    for setting in (s for s in project.table if not s.scrapy):
        section = _sections().get(setting.name)
        if section is None:
            offenders.append(f"docs/settings.md has no '## {setting.name}' section")
        elif project.docs_default(setting) not in " ".join(section.split()):
            offenders.append(f"docs/settings.md, {setting.name}: write its default as the table does: "
                             f"{project.docs_default(setting)}")
    assert not offenders, "\n".join(offenders)


def test_the_environment_table_of_the_docs_is_the_tables():
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert project.environment_table() in text, (
        "docs/settings.md's environment table differs from crawler/settings.py's: "
        "paste the output of `python -m crawler.settings` over it")


def test_the_scrapy_settings_the_environment_sets_are_in_the_manners_table():
    section = _sections()["Crawling manners: the Scrapy settings we set"]
    for setting in (s for s in project.table if s.scrapy):
        assert f"`{setting.name}`" in section and f"`${setting.env}`" in section
