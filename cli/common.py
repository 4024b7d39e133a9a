"""What the command modules share: the --db option, opening the store, the project's settings,
the spider lookups and the user's dates. Light at import (click and kit/ only): see cli/main.py."""

from __future__ import annotations

from pathlib import Path

import click

from kit.errors import GlocalError, UnknownSpider


def project_settings():
    """The project's settings (crawler/settings.py, as Scrapy reads it), without importing Scrapy.

    Every command only reads values the project defines; a crawl's child process reads Scrapy's
    full settings itself (crawler/runner.py)."""
    from crawler import spider_registry as catalogue

    return catalogue.settings()


def spider_class(name: str):
    """The spider's class, from Scrapy's spider loader: for the commands that crawl or parse."""
    from scrapy.spiderloader import get_spider_loader
    from scrapy.utils.project import get_project_settings

    loader = get_spider_loader(get_project_settings())
    try:
        return loader.load(name)
    except KeyError:
        known = ", ".join(sorted(loader.list())) or "none"
        raise UnknownSpider(f"unknown spider {name!r} (known: {known})") from None


def start_urls(cls, overrides=()) -> list[str]:
    """A spider's start URLs: its own, else the one its `start_url_setting` names (--set wins)."""
    if cls.start_urls:
        return list(cls.start_urls)
    setting = getattr(cls, "start_url_setting", None)
    if not setting:
        return []
    given = dict(item.split("=", 1) for item in overrides if "=" in item)
    url = given.get(setting) or project_settings().get(setting)
    return [url] if url else []


def spider_names() -> list[str]:
    """Every spider's name, from the catalogue (the spiders' source, read without Scrapy)."""
    from crawler import spider_registry as catalogue

    return list(catalogue.spiders(project_settings()))


def db_option(fn):
    return click.option(
        "--db", "db_path", type=click.Path(),
        help="SQLite file (default: STORE_DB_PATH, data/glocal.db, or $GLOCAL_DB)",
    )(fn)


# The store file the running command works on, so an error SQLite raises later (a damaged page
# read in the middle of a query) can name it: see `damaged_store_message`.
current_store: list[str] = []


def store_path(db_path: str | None) -> str:
    """The store file a command works on: --db, or the STORE_DB_PATH setting."""
    path = db_path or project_settings().get("STORE_DB_PATH")
    current_store[:] = [str(path)]
    return path


def damaged_store_message(error) -> str | None:
    """One line for an SQLite error that says the store file is damaged or cannot be written
    (store/errors.py words it), naming the file this command works on; None for any other error.

    Such errors surface wherever a query first touches the bad page, long after the store opened,
    so the command group asks here rather than each query."""
    if getattr(error, "sqlite_errorcode", None) is None:
        return None
    from store.errors import sqlite_failure_line

    return sqlite_failure_line(error, current_store[0] if current_store else "the database")


def open_store(db_path: str | None, *, must_exist: bool = False, readonly: bool = False):
    """The store; `readonly` for commands that only read, so they work where no write is possible."""
    from store import open_db, open_db_readonly

    path = store_path(db_path)
    if (must_exist or readonly) and not Path(path).exists():
        raise GlocalError(f"no database at {path} yet: run `glocal crawl` first, or pass --db")
    return open_db_readonly(path) if readonly else open_db(path)


def checked_timeout(timeout: float | None, option: str = "--timeout") -> float | None:
    """A crawl's time limit from the command line, checked as SCHEDULER_CRAWL_TIMEOUT is
    (crawler/settings.py: more than 0); None stays None (the setting's value applies)."""
    if timeout is None:
        return None
    from crawler.settings import by_name, converted

    return converted(by_name["SCHEDULER_CRAWL_TIMEOUT"], timeout, source=option)


def checked_wait(seconds: float, option: str = "--wait") -> float:
    """A wait from the command line (`alerts send --wait`, `scrapyd crawl --wait`): a finite number
    of seconds, 0 or more. nan compares false with every deadline and would wait forever; a negative
    one was taken as "wait" and waited for nothing."""
    import math

    if not math.isfinite(seconds):
        raise GlocalError(f"{option}={seconds!r} is not a finite number")
    if seconds < 0:
        raise GlocalError(f"{option}={seconds!r} must not be negative")
    return seconds


def checked_date(value: str | None) -> str | None:
    """The user's date in one canonical form: a day in any ISO form ("20261102", "2026-W45-1")
    becomes YYYY-MM-DD, so it means the whole day like "2026-11-02" does; a time becomes UTC."""
    if value is None:
        return None
    from datetime import date

    from store.clock import iso_utc, parse_moment

    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        pass
    try:
        return iso_utc(parse_moment(value))
    except ValueError:
        raise GlocalError(f"{value!r} is not a date (YYYY-MM-DD) or an ISO time") from None


class RowId(click.ParamType):
    """The id of a row (an actor, a run, a page): a whole number SQLite can hold (1 to 2^63-1).

    A larger number can name no row, and SQLite cannot even be asked about it (the driver raises
    OverflowError); it is refused here, in one line like every error the user can act on."""

    name = "id"
    LARGEST = 2**63 - 1

    def convert(self, value, param, ctx):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not 1 <= number <= self.LARGEST:
            what = param.human_readable_name if param is not None else "id"
            raise GlocalError(f"{what}: {value!r} is not an id (a whole number from 1 to {self.LARGEST})")
        return number


ROW_ID = RowId()


def config_option(fn):
    return click.option("--config", "config_path", type=click.Path(dir_okay=False),
                        help="The alert rules file (default: ALERTS_CONFIG, or $GLOCAL_ALERTS).")(fn)
