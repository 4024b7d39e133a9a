"""Settings read by every glocal process (Scrapy reads this module itself via scrapy.cfg).

One home per setting: `table` below holds each project setting (and each Scrapy setting the
environment may set) once, with its type, default, help line and environment variable; the
module's values are made from it, and checked, when the module is imported. Code reads a setting
from Scrapy's settings object, which holds these values, never with a default of its own
(tests/crawler/test_settings.py reads the source and fails on one). docs/settings.md documents
every setting; tests/crawler/test_settings.py keeps its defaults equal to the table's.
Secrets (SMTP password, Slack webhook) are read from the environment only.
"""

import json
import os
from dataclasses import dataclass

from kit.errors import NotConfigured


@dataclass(frozen=True)
class Setting:
    """One setting: what it is, its default, and the range a value must be in to be used."""

    name: str
    type: type  # bool, int, float, str, list or dict
    default: object
    help: str
    env: str | None = None  # an environment variable that replaces the default when set
    minimum: float | None = None  # the least value allowed
    above: float | None = None  # values must be greater than this
    maximum: float | None = None
    optional: bool = False  # None is a value (unset)
    unit: str | None = None  # "seconds", "hours"... for messages and docs
    scrapy: bool = False  # one of Scrapy's own settings (documented with the crawling manners)


table: tuple[Setting, ...] = (
    # --- Scrapy's own settings the environment may set ---------------------------------------
    Setting("USER_AGENT", str, "glocal-watch/0.1 (+https://github.com/glocal-watch/glocal-watch; research crawler)",
            "names the project and a contact URL to the sites crawled", env="GLOCAL_USER_AGENT", scrapy=True),
    Setting("DOWNLOAD_DELAY", float, 2.0, "seconds between two requests to one host (AUTOTHROTTLE_START_DELAY follows it)",
            env="GLOCAL_DOWNLOAD_DELAY", minimum=0, unit="seconds", scrapy=True),
    Setting("LOG_LEVEL", str, "INFO", "the log level of `scrapy crawl` and `python -m crawler.runner`; for the log file of "
            "`glocal crawl` (WARNING unless set) only when set in the environment",
            env="GLOCAL_LOG_LEVEL", scrapy=True),
    # --- store/ ------------------------------------------------------------------------------
    Setting("STORE_ENABLED", bool, True,
            "whether a crawl opens a store session (scrapy check turns it off by itself)"),
    Setting("STORE_DB_PATH", str, "data/glocal.db", "the SQLite file of the store", env="GLOCAL_DB"),
    Setting("STORE_REMOVAL_RUNS", int, 2,
            "healthy, complete runs a row must be missing from before it is \"removed\"", minimum=1),
    Setting("STORE_BATCH_SIZE", int, 1000,
            "items of one scope written per transaction while a long list streams in", minimum=1),
    Setting("STORE_PLACES_FILE", str, None,
            "a gazetteer CSV instead of the bundled places/data/places.csv (the parsers' gazetteer, "
            "places/curated.py, reads the variable itself)",
            env="GLOCAL_PLACES_FILE", optional=True),
    Setting("STORE_MAX_PAGE_COUNT", int, 0,
            "0: no cap; else SQLite's max_page_count for a crawl's writes (caps the file size)", minimum=0),
    # --- archive (crawler/archive.py, crawler/download_handlers.py, crawler/middlewares.py) ---
    Setting("ARCHIVE_ENABLED", bool, True, "whether a live crawl keeps its responses in WARC files"),
    Setting("ARCHIVE_DIR", str, None, "where live crawls write WARC files (unset: a folder \"archive\" beside the database)",
            env="GLOCAL_ARCHIVE_DIR", optional=True),
    Setting("ARCHIVE_REPLAY_FILE", str, None,
            "set by `glocal crawl --replay FILE`: serve responses from that WARC", optional=True),
    # --- crawl behaviour (crawler/middlewares.py, spiders/base.py) ----------------------------
    Setting("CRAWL_CONDITIONAL_GET", bool, True, "ask the site only for what changed since the archived copy"),
    Setting("CRAWL_MAX_RETRY_AFTER", float, 300,
            "seconds; a site asking for a longer pause is left for the next run", minimum=0, unit="seconds"),
    Setting("CRAWL_STOP_GRACE", float, 30,
            "seconds a stopped crawl has to close its run before it is forced (then killed 5 s later)",
            env="GLOCAL_CRAWL_STOP_GRACE", minimum=0, unit="seconds"),
    Setting("CRAWL_HOST_MAP", dict, {},
            "{\"www.c40.org\": \"127.0.0.1:8765\"}: for tests against a local server only"),
    Setting("CRAWL_STOP_AFTER_KNOWN", int, 10,
            "an append-only listing stops paging once this many items of a page are already in the store", minimum=1),
    Setting("CRAWL_FULL", bool, False, "True (`glocal crawl --full`): an append-only listing walks every page"),
    Setting("CRAWL_MAX_PAGE_CHARS", int, 3_000_000,
            "a page's decoded text longer than this is rejected, not parsed", minimum=1),
    Setting("CRAWL_WORKERS", int, 4,
            "crawls at once in `glocal crawl` and `glocal check` (different sites only), each in its own child",
            minimum=1),
    Setting("CRAWL_MAX_PAGE_DEPTH", int, 256,
            "markup nested deeper than this (unclosed tags) is rejected, not parsed", minimum=1),
    # --- health (crawler/run_health.py) --------------------------------------------------------
    Setting("HEALTH_MIN_LIST_RATIO", float, 0.8,
            "a list shorter than this share of the page's own stated count is suspect", minimum=0, maximum=1),
    Setting("HEALTH_MAX_ERRORS", int, 0, "logged errors a healthy run may have", minimum=0),
    Setting("HEALTH_MAX_EMPTY_RATIO", float, 0.5, "share of items that may lack an expected field",
            minimum=0, maximum=1),
    Setting("HEALTH_MAX_DROP_RATIO", float, 0.5,
            "a list losing more than this share of its names in one run is held until confirmed",
            minimum=0, maximum=1),
    Setting("HEALTH_HOLD_SHARE", float, 0.3,
            "a list whose names changed by more than this share in one run: alerts held until agreed", minimum=0),
    Setting("HEALTH_DROP_CHECK_MIN_ROWS", int, 4,
            "lists shorter than this are too small to judge by shares (drop, change)", minimum=0),
    Setting("HEALTH_SCOPE_DROP_RATIO", float, 0.2,
            "a roster this much shorter than the median of its own recent runs: health alert, held",
            minimum=0, maximum=1),
    Setting("HEALTH_SCOPE_HISTORY_RUNS", int, 5,
            "how many of a roster's recent trusted runs that median is taken over", minimum=1),
    # --- scheduler/ ----------------------------------------------------------------------------
    Setting("SCHEDULER_TIMEZONE", str, "UTC", "the time zone of cron expressions"),
    Setting("SCHEDULER_DEFAULT_CRON", str, "0 5 * * *",
            "the schedule of a spider that declares none (and of a new spider's scaffold)"),
    Setting("SCHEDULER_SCHEDULES", dict, {},
            "{\"c40_accelerators\": \"0 */6 * * *\"}: overrides a spider's own schedule"),
    Setting("SCHEDULER_JITTER", int, 600,
            "seconds of random delay per run, so crawls do not hit sites on the minute", minimum=0, unit="seconds"),
    Setting("SCHEDULER_CRAWL_TIMEOUT", float, 3600,
            "seconds before a hung crawl is killed (its run is closed as aborted)", above=0, unit="seconds"),
    Setting("SCHEDULER_MISFIRE_GRACE", int, 3600,
            "a run later than this (the machine slept) is skipped, not run late", minimum=1, unit="seconds"),
    Setting("SCHEDULER_OVERDUE_HOURS", float, 72, "warn when a spider has had no healthy run for this long",
            above=0, unit="hours"),
    Setting("SCHEDULER_WORKERS", int, 2, "crawls at once (different sites only; never two runs of one spider)",
            minimum=1),
    # --- backfill from web archives (operations/backfill.py, operations/wayback.py) ------------
    Setting("BACKFILL_CDX_URL", str, "https://web.archive.org/cdx/search/cdx",
            "the CDX API of the web archive `glocal backfill` reads", env="GLOCAL_BACKFILL_CDX_URL"),
    Setting("BACKFILL_REPLAY_URL", str, "https://web.archive.org/web", "where that archive serves captures",
            env="GLOCAL_BACKFILL_REPLAY_URL"),
    Setting("BACKFILL_DELAY", float, 3.0, "seconds between two requests to the archive",
            env="GLOCAL_BACKFILL_DELAY", minimum=0, unit="seconds"),
    Setting("BACKFILL_AS_OF", str, None,
            "set by `glocal backfill` for each crawl: the moment the pages are answered as of", optional=True),
    # --- alerts (alerts/; docs/alerts.md) ------------------------------------------------------
    Setting("ALERTS_CONFIG", str, None, "the alert rules file (TOML); unset: no alert is routed",
            env="GLOCAL_ALERTS", optional=True),
    Setting("ALERTS_SEND_INTERVAL", float, 60, "seconds between two runs of the service's delivery job",
            above=0, unit="seconds"),
    Setting("ALERTS_BACKOFF_BASE", float, 30,
            "seconds before the first retry of a failed send; doubles each attempt (with jitter)",
            minimum=0, unit="seconds"),
    Setting("ALERTS_BACKOFF_MAX", float, 3600, "the longest wait between two attempts", minimum=0, unit="seconds"),
    Setting("ALERTS_SLACK_INTERVAL", float, 1.0, "seconds between two messages to one Slack webhook",
            minimum=0, unit="seconds"),
    Setting("ALERTS_SEND_BATCH", int, 500,
            "outbox rows handled per delivery run (0: all), so a huge backlog drains in bounded steps", minimum=0),
    Setting("ALERTS_HEALTH_FAILED_RUNS", int, 3, "failed crawls (site down, killed) in a row that make a spider blind",
            minimum=1),
    Setting("ALERTS_HEALTH_DROP_RATIO", float, 0.5,
            "a run with fewer items than (1 - this) x the median of its last healthy runs is blind",
            minimum=0, maximum=1),
    Setting("ALERTS_STALE_FACTOR", float, 3,
            "a spider is stale after this many schedule intervals without a healthy run", above=0),
    # --- sources' own settings (spiders/<name>.py) ---------------------------------------------
    Setting("UCLG_NEWS_MAX_PAGES", int, 400, "listing pages of one UCLG listing a run reads at most", minimum=1),
    Setting("COVENANT_SIGNATORIES_JSON_URL", str, None,
            "the JSON endpoint behind the Covenant signatories table; \"{page}\" is replaced by the page number",
            env="GLOCAL_COVENANT_SIGNATORIES_JSON_URL", optional=True),
    Setting("COVENANT_SIGNATORIES_FIRST_PAGE", int, 0, "the first \"{page}\" number (Drupal counts from 0)",
            minimum=0),
    Setting("COVENANT_SIGNATORIES_MAX_PAGES", int, 2000,
            "a guard against a pager that never ends; reaching it = incomplete", minimum=1),
    Setting("COVENANT_OPEN_DATA_URL", str, None, "the JRC signatories file, for the covenant_open_data spider",
            env="GLOCAL_COVENANT_OPEN_DATA_URL", optional=True),
    Setting("COVENANT_OPEN_DATA_MAX_BAD_SHARE", float, 0.01,
            "the share of a JRC file's rows that may lack a usable name or id while it still counts as the whole "
            "roster (spider and `glocal import covenant`)", env="GLOCAL_COVENANT_OPEN_DATA_MAX_BAD_SHARE",
            minimum=0, maximum=1),
    Setting("UNTC_TREATIES", list, ["XXVII-7-d", "XXVII-7", "XXVII-7-a", "IV-8", "IV-15", "IV-2"],
            "UN Treaty Collection numbers whose status untc_status follows (CHAPTER-N[-x], as in the MTDSG)"),
    Setting("UNFCCC_GCAP_ENABLED", bool, False,
            "whether unfccc_gcap crawls the Global Climate Action portal (behind anti-bot protection)"),
    Setting("UNHABITAT_NEWS_PAGES", int, 2, "listing pages unhabitat_news reads each run (newest first)", minimum=1),
    Setting("UAP_EVENTS_PAGES", int, 3, "listing pages uap_events reads each run", minimum=1),
)

by_name: dict[str, Setting] = {setting.name: setting for setting in table}


def converted(setting: Setting, value, *, source: str | None = None):
    """`value` as the setting's type, within its range; NotConfigured, in one line naming the
    setting (or `source`, the environment variable it came from), when it cannot be used."""
    shown = f"{source or setting.name}={value!r}"
    if value is None or (setting.optional and value == ""):
        if setting.optional:
            return None
        raise NotConfigured(f"{shown} must be set ({setting.help})")
    try:
        value = _as_type(setting.type, value)
    except (TypeError, ValueError):
        raise NotConfigured(f"{shown} is not {_type_words(setting)}") from None
    if setting.type in (int, float):
        if value != value or value in (float("inf"), float("-inf")):  # nan passes every comparison
            raise NotConfigured(f"{shown} is not a finite number")
        if setting.minimum is not None and value < setting.minimum:
            bound = "must not be negative" if setting.minimum == 0 else f"must be at least {setting.minimum:g}"
            raise NotConfigured(f"{shown} {bound}")
        if setting.above is not None and value <= setting.above:
            raise NotConfigured(f"{shown} must be more than {setting.above:g}")
        if setting.maximum is not None and value > setting.maximum:
            raise NotConfigured(f"{shown} must be at most {setting.maximum:g}")
    return value


def _as_type(kind: type, value):
    if kind is bool:
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1"):
            return bool(int(value))
        if value in ("True", "true", "False", "false"):
            return value in ("True", "true")
        raise ValueError(value)
    if kind is int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        return int(value)
    if kind is float:  # an int stays an int (3600 prints as 3600), a text becomes a float
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return float(value)
        return value
    if kind is str:
        if not isinstance(value, str):
            raise TypeError(value)
        return value
    if kind is list:
        if isinstance(value, str):
            return json.loads(value) if value.startswith("[") else value.split(",")
        return list(value)
    if kind is dict:
        value = json.loads(value) if isinstance(value, str) else value
        return dict(value)
    raise TypeError(kind)


def _type_words(setting: Setting) -> str:
    if setting.type is int:
        return "a whole number" + (f" of {setting.unit}" if setting.unit else "")
    if setting.type is float:
        return "a number" + (f" of {setting.unit}" if setting.unit else "")
    return {bool: "true or false", str: "text", list: "a list", dict: "a JSON object"}[setting.type]


def value(settings, name: str):
    """A project setting from a settings object (Scrapy's Settings, the registry's ProjectSettings),
    typed and checked; the table's default when the object does not hold it (a bare Crawler in a test)."""
    setting = by_name[name]
    found = settings.get(name) if name in settings else setting.default
    return converted(setting, found)


def check(settings) -> None:
    """Refuse, by name, any table setting the settings object holds that could not be used."""
    for setting in table:
        if setting.name in settings:
            converted(setting, settings.get(setting.name))


def _from_environment(setting: Setting, environ) -> object:
    raw = environ.get(setting.env) if setting.env else None
    if raw is None:
        return setting.default
    return converted(setting, raw, source=setting.env)


def from_environment(name: str, environ=None):
    """The value a setting's environment variable gives it (checked), or None when the variable is unset."""
    setting = by_name[name]
    environ = os.environ if environ is None else environ
    if setting.env is None or environ.get(setting.env) is None:
        return None
    return _from_environment(setting, environ)


def values(environ=None) -> dict:
    """Each setting of the table: its default, or its environment variable's value; checked."""
    environ = os.environ if environ is None else environ
    return {setting.name: converted(setting, _from_environment(setting, environ)) for setting in table}


def _shown(value) -> str:
    if isinstance(value, (str, list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def docs_default(setting: Setting) -> str:
    """How docs/settings.md states a setting's default (tests/crawler/test_settings.py holds it to this)."""
    shown = "unset" if setting.default is None else f"`{_shown(setting.default)}`"
    return f"Default: {shown}" + (f", or `${setting.env}` when set" if setting.env else "")


def environment_table() -> str:
    """docs/settings.md's table of environment variables, made from the table (`python -m crawler.settings`)."""
    rows = ["| variable | sets | default | what it is |", "|---|---|---|---|"]
    for setting in sorted((s for s in table if s.env), key=lambda s: s.env):
        default = "unset" if setting.default is None else f"`{_shown(setting.default)}`"
        rows.append(f"| `{setting.env}` | `{setting.name}` | {default} | {setting.help[0].upper()}{setting.help[1:]}. |")
    return "\n".join(rows) + "\n"


globals().update(values())

BOT_NAME = "glocal-watch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Manners: identify, obey robots.txt, one request at a time per host, back off when slow ---
# USER_AGENT, DOWNLOAD_DELAY and LOG_LEVEL: in the table (the environment may set them).
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = DOWNLOAD_DELAY  # noqa: F821 (from the table)
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A page that stays unreachable is reported by the health check "pages" (with its URL and reason);
# logging it as an ERROR too would count one failure twice.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
CLOSESPIDER_ERRORCOUNT = 20
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl SPIDER -O out.jsonl`: each item with a leading "type" (crawler/exporters.py).
FEED_EXPORTERS = {"jsonlines": "crawler.exporters.TypedJsonLinesItemExporter",
                  "jsonl": "crawler.exporters.TypedJsonLinesItemExporter",
                  "json": "crawler.exporters.TypedJsonItemExporter"}
# Scrapy's own cap on a response's bytes, decompressed bodies included (gzip bombs): the download is
# cancelled and the page reported failed. Far above any real page, far below Scrapy's 1 GB default.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024

DOWNLOADER_MIDDLEWARES = {
    # First of all: no request to a private or loopback address (crawler/private_hosts.py).
    "crawler.private_hosts.PrivateAddressMiddleware": 50,
    # Waits as long as a 429/503's Retry-After asks before retrying; ahead of RetryMiddleware (550).
    "crawler.middlewares.RetryAfterMiddleware": 560,
    # Valid UTF-8 bytes beat a single-byte charset label; below HttpCompressionMiddleware (590), so it
    # sees the decompressed body.
    "crawler.middlewares.CharsetMiddleware": 580,
    # Turns an archived 200 into If-None-Match / If-Modified-Since, and a 304 back into that
    # body; above HttpCompressionMiddleware (590) so the archived body is decompressed as usual.
    "crawler.middlewares.ConditionalGetMiddleware": 595,
    # Closest to the network of those reading responses: sees every response as received (before
    # decompression, redirects and retries) and keeps it in the WARC archive with a `pages` row.
    "crawler.middlewares.ArchiveMiddleware": 950,
    # Once the crawl is stopping, drops the downloads still queued behind a host's delay instead of
    # sending them (crawler/prompt_stop.py); last, so that no request it let through waits after it.
    "crawler.prompt_stop.PromptStopMiddleware": 990,
}
# Notes every request the spider makes for a scope, before any filter (offsite, duplicates), so a
# scope that never reports (an off-site redirect) is named in the run's health: see crawler/unseen_scopes.py.
SPIDER_MIDDLEWARES = {"crawler.unseen_scopes.ExpectedScopesMiddleware": 950}
# Network, WARC replay (ARCHIVE_REPLAY_FILE) or a local test server (CRAWL_HOST_MAP), by settings.
DOWNLOAD_HANDLERS = {"http": "crawler.download_handlers.GlocalDownloadHandler",
                     "https": "crawler.download_handlers.GlocalDownloadHandler"}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# The crawl's store session: opens the run on spider_opened, closes it on spider_closed.
EXTENSIONS = {"crawler.session.CrawlSession": 100}
# Scrapy's RemoteControl (on by default since 2.19) serves an HTTP endpoint on localhost that runs
# Python code sent to it, and writes its token to a file in the user's profile: no crawl here is
# steered that way (as the telnet console above). Off by its setting, and not even imported (its
# module imports aiohttp, 0.3 s of CPU a crawl child): the add-on drops it and the telnet console
# from Scrapy's base list (naming it with None in EXTENSIONS would import it, to compare the keys).
REMOTE_CONTROL_ENABLED = False
ADDONS = {"crawler.extensions_off.ExtensionsOff": 0}

if __name__ == "__main__":  # `python -m crawler.settings`: the environment table of docs/settings.md
    print(environment_table(), end="")
