"""crawler/spider_registry.py answers what Scrapy answers: the same spiders (names, classes, schedules)
and the same setting values, read without importing Scrapy. If a spider or a setting changes in
a way the catalogue cannot read, these fail (or the catalogue falls back to Scrapy's loader)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from scrapy.settings import BaseSettings, Settings
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

from crawler import spider_registry as catalogue
from kit.errors import NotConfigured

# Every setting a command reads through cli.common.project_settings() (and the catalogue itself).
USED = {
    "get": ["STORE_DB_PATH", "ALERTS_CONFIG", "SCHEDULER_DEFAULT_CRON", "SCHEDULER_TIMEZONE", "BACKFILL_CDX_URL",
            "USER_AGENT"],
    "getfloat": ["SCHEDULER_CRAWL_TIMEOUT", "ALERTS_BACKOFF_BASE", "ALERTS_BACKOFF_MAX", "ALERTS_SLACK_INTERVAL",
                 "ALERTS_SEND_INTERVAL", "ALERTS_STALE_FACTOR", "SCHEDULER_OVERDUE_HOURS", "ALERTS_HEALTH_DROP_RATIO",
                 "BACKFILL_DELAY", "CRAWL_MAX_RETRY_AFTER"],
    "getint": ["ALERTS_SEND_BATCH", "STORE_REMOVAL_RUNS", "SCHEDULER_WORKERS", "SCHEDULER_JITTER",
               "SCHEDULER_MISFIRE_GRACE", "ALERTS_HEALTH_FAILED_RUNS"],
    "getdict": ["SCHEDULER_SCHEDULES"],
    "getlist": ["SPIDER_MODULES"],
    "getbool": ["STORE_ENABLED", "ARCHIVE_ENABLED", "UNFCCC_GCAP_ENABLED"],
}


def entries_of(loader) -> dict:
    classes = {name: loader.load(name) for name in sorted(loader.list())}
    return {name: catalogue.SpiderEntry(name=name, module=cls.__module__, class_name=cls.__qualname__,
                                        schedule=getattr(cls, "schedule", None),
                                        requires=tuple(getattr(cls, "requires_settings", ()) or ()))
            for name, cls in classes.items()}


def test_the_catalogue_lists_the_spiders_scrapy_loads():
    settings = catalogue.settings()
    from_source = catalogue.from_source(settings.getlist("SPIDER_MODULES"))  # raises if it had to fall back
    assert from_source == entries_of(get_spider_loader(get_project_settings()))
    assert catalogue.spiders(settings) == from_source
    assert len(from_source) >= 17 and all(entry.schedule for entry in from_source.values())


def test_the_settings_are_the_ones_scrapy_reads():
    light, scrapy_settings = catalogue.settings(), get_project_settings()
    compared = 0
    for name in dir(__import__("crawler.settings", fromlist=["x"])):
        if not name.isupper():
            continue
        theirs = scrapy_settings.get(name)
        if isinstance(theirs, BaseSettings):  # Scrapy merges its own defaults into component dicts
            continue
        assert light.get(name) == theirs, name
        compared += 1
    assert compared > 60
    for getter, names in USED.items():
        for name in names:
            assert getattr(light, getter)(name) == getattr(scrapy_settings, getter)(name), (getter, name)


def test_environment_overrides_reach_both_readings(tmp_path):
    """GLOCAL_DB, GLOCAL_ALERTS... are read by crawler/settings.py itself: the same in both readings."""
    script = textwrap.dedent("""
        import json, os
        os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
        from scrapy.utils.project import get_project_settings
        from crawler import spider_registry as catalogue
        names = ["STORE_DB_PATH", "ALERTS_CONFIG", "ARCHIVE_DIR", "DOWNLOAD_DELAY"]
        print(json.dumps([[catalogue.settings().get(n) for n in names],
                          [get_project_settings().get(n) for n in names]]))
    """)
    env = {**os.environ, "GLOCAL_DB": str(tmp_path / "x.db"), "GLOCAL_ALERTS": str(tmp_path / "rules.toml"),
           "GLOCAL_ARCHIVE_DIR": str(tmp_path / "warc"), "GLOCAL_DOWNLOAD_DELAY": "0.25"}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    light, scrapy_values = json.loads(out.stdout)
    assert light == scrapy_values == [str(tmp_path / "x.db"), str(tmp_path / "rules.toml"), str(tmp_path / "warc"), 0.25]


def test_typed_getters_read_strings_as_scrapy_does():
    values = {"B": "false", "I": "3", "F": "0.5", "D": '{"a": "1"}', "L": "a,b", "N": None}
    light, scrapy_settings = catalogue.ProjectSettings(values), Settings(values)
    for getter, name in [("getbool", "B"), ("getint", "I"), ("getfloat", "F"), ("getdict", "D"), ("getlist", "L"),
                         ("get", "N"), ("getbool", "missing"), ("getdict", "missing"), ("getlist", "missing")]:
        assert getattr(light, getter)(name) == getattr(scrapy_settings, getter)(name), (getter, name)
    assert light.get("N", "fallback") == scrapy_settings.get("N", "fallback") == "fallback"


def test_schedules_override_and_default():
    light = catalogue.ProjectSettings({"SCHEDULER_SCHEDULES": {"b": "every 1h"}, "SCHEDULER_DEFAULT_CRON": "0 5 * * *"})
    spiders = {"a": catalogue.SpiderEntry("a", "m", "A", "1 2 * * *"), "b": catalogue.SpiderEntry("b", "m", "B", None),
               "c": catalogue.SpiderEntry("c", "m", "C", None)}
    assert catalogue.spider_schedules(light, spiders) == {"a": "1 2 * * *", "b": "every 1h", "c": "0 5 * * *"}
    with pytest.raises(NotConfigured, match="unknown spiders: z"):
        catalogue.spider_schedules(catalogue.ProjectSettings({"SCHEDULER_SCHEDULES": {"z": "x"}}), spiders)


# -- a package of its own: inheritance, imports, what the source alone cannot tell ----------------

PACKAGE = {
    "__init__.py": "",
    "base.py": """
        import scrapy

        class Base(scrapy.Spider):
            schedule = "0 1 * * *"  # inherited by spiders that set none

        class NotASpider:
            name = "plain"
    """,
    "mixins.py": """
        class Weekly:
            schedule: str = "0 2 * * 1"
    """,
    # at the margin, as a docstring may show code: read as the string it is, not as a class
    "one.py": ('"""A spider module whose docstring shows code:\nclass Fake(Base):\n    name = "fake"\n"""\n'
               "from catpkg.base import Base\nfrom .mixins import Weekly\n\n\n"
               'class One(Base):\n    name = "one"\n\n\n'
               'class Two(Weekly, Base):\n    name = "two"\n\n\n'
               "class Nameless(Base):\n    pass\n"),
    "reexport.py": """
        from catpkg.base import Base as Renamed  # noqa: F401 - re-exported
    """,
    "six.py": """
        from catpkg import reexport

        class Six(reexport.Renamed):
            name = "six"
    """,
    "sub/__init__.py": "",
    "sub/three.py": """
        from scrapy import Spider

        class Three(Spider):
            name = 'three'
            schedule = None
    """,
    "helpers.py": """
        from dataclasses import dataclass

        @dataclass
        class Row:
            name: str = "row"
    """,
}


@pytest.fixture
def package(tmp_path, monkeypatch):
    for relative, text in PACKAGE.items():
        path = tmp_path / "catpkg" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path / "catpkg"
    for name in [m for m in sys.modules if m == "catpkg" or m.startswith("catpkg.")]:
        del sys.modules[name]


def scrapy_entries(modules) -> dict:
    return entries_of(get_spider_loader(Settings({"SPIDER_MODULES": modules})))


def test_inherited_and_imported_attributes_are_read_as_python_resolves_them(package):
    found = catalogue.from_source(["catpkg"])
    assert found == scrapy_entries(["catpkg"])
    assert {name: entry.schedule for name, entry in found.items()} == {
        "one": "0 1 * * *", "two": "0 2 * * 1", "three": None, "six": "0 1 * * *"}


def test_a_computed_name_or_schedule_sends_the_catalogue_to_scrapy(package):
    (package / "four.py").write_text(textwrap.dedent("""
        from catpkg.base import Base

        class Four(Base):
            name = "four"
            schedule = "0 %d * * *" % 3
    """), encoding="utf-8")
    with pytest.raises(catalogue.Unreadable, match="Four.schedule is not a literal"):
        catalogue.from_source(["catpkg"])
    assert scrapy_entries(["catpkg"])["four"].schedule == "0 3 * * *"  # what the fallback would answer


def test_a_spider_based_on_what_the_source_cannot_follow_is_not_guessed(package):
    (package / "five.py").write_text(textwrap.dedent("""
        import scrapy

        def factory():
            return scrapy.Spider

        class Five(factory()):
            name = "five"
    """), encoding="utf-8")
    with pytest.raises(catalogue.Unreadable, match="Five has a name and a base class"):
        catalogue.from_source(["catpkg"])


def test_a_base_assigned_at_run_time_is_not_guessed(package):
    (package / "seven.py").write_text(textwrap.dedent("""
        from catpkg.base import Base

        Alias = Base

        class Seven(Alias):
            name = "seven"
    """), encoding="utf-8")
    with pytest.raises(catalogue.Unreadable, match="Seven has a name and a base class"):
        catalogue.from_source(["catpkg"])
    assert "seven" in scrapy_entries(["catpkg"])  # a spider indeed: the fallback finds it
