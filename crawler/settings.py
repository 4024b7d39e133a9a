"""Settings read by every glocal process (Scrapy reads this module itself via scrapy.cfg).

Scrapy's own settings first, then the project's, each prefixed by the package that owns it.
docs/settings.md documents every project setting; tests/test_docs.py keeps it so.
Secrets (SMTP password, Slack webhook) are read from the environment only.
"""

import os

from kit.errors import NotConfigured


def _env_seconds(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise NotConfigured(f"{name}={value!r} is not a number of seconds") from None
    if seconds < 0:
        raise NotConfigured(f"{name}={value!r} must not be negative")
    return seconds


BOT_NAME = "glocal-watch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Manners: identify, obey robots.txt, one request at a time per host, back off when slow ---
USER_AGENT = os.environ.get(
    "GLOCAL_USER_AGENT", "glocal-watch/0.1 (+https://github.com/glocal-watch/glocal-watch; research crawler)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = _env_seconds("GLOCAL_DOWNLOAD_DELAY", 2.0)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = DOWNLOAD_DELAY
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
LOG_LEVEL = os.environ.get("GLOCAL_LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl SPIDER -O out.jsonl`: each item with a leading "type" (crawler/exporters.py).
FEED_EXPORTERS = {"jsonlines": "crawler.exporters.TypedJsonLinesItemExporter",
                  "jsonl": "crawler.exporters.TypedJsonLinesItemExporter",
                  "json": "crawler.exporters.TypedJsonItemExporter"}

DOWNLOADER_MIDDLEWARES = {
    # Turns an archived 200 into If-None-Match / If-Modified-Since, and a 304 back into that
    # body; above HttpCompressionMiddleware (590) so the archived body is decompressed as usual.
    "crawler.middlewares.ConditionalGetMiddleware": 595,
    # Waits as long as a 429/503's Retry-After asks before retrying; ahead of RetryMiddleware (550).
    "crawler.middlewares.RetryAfterMiddleware": 560,
    # Valid UTF-8 bytes beat a single-byte charset label; below HttpCompressionMiddleware (590), so it
    # sees the decompressed body.
    "crawler.middlewares.CharsetMiddleware": 580,
    # Closest to the network: sees every response as received (before decompression,
    # redirects and retries) and keeps it in the WARC archive with a `pages` row.
    "crawler.middlewares.ArchiveMiddleware": 950,
}
# Network, WARC replay (ARCHIVE_REPLAY_FILE) or a local test server (CRAWL_HOST_MAP), by settings.
DOWNLOAD_HANDLERS = {"http": "crawler.download_handlers.GlocalDownloadHandler",
                     "https": "crawler.download_handlers.GlocalDownloadHandler"}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# The crawl's store session: opens the run on spider_opened, closes it on spider_closed.
EXTENSIONS = {"crawler.session.CrawlSession": 100}

# --- store/ -----------------------------------------------------------------------------------
STORE_ENABLED = True  # False: crawl without touching the store (scrapy check turns it off by itself)
STORE_DB_PATH = os.environ.get("GLOCAL_DB", "data/glocal.db")
STORE_REMOVAL_RUNS = 2  # K: healthy, complete runs a row must be missing from before it is "removed"
STORE_BATCH_SIZE = 1000  # items of one scope written per transaction while a long list streams in

# --- archive (crawler/archive.py, crawler/download_handlers.py, crawler/middlewares.py) ----------------
ARCHIVE_ENABLED = True
ARCHIVE_DIR = os.environ.get("GLOCAL_ARCHIVE_DIR")  # None: a folder "archive" beside the database
ARCHIVE_REPLAY_FILE = None  # set by `glocal crawl --replay FILE`: serve responses from that WARC

# --- crawl behaviour (crawler/middlewares.py) ---------------------------------------------------
CRAWL_CONDITIONAL_GET = True
CRAWL_MAX_RETRY_AFTER = 300  # seconds; a site asking for a longer pause is left for the next run
CRAWL_STOP_GRACE = _env_seconds("GLOCAL_CRAWL_STOP_GRACE", 30.0)  # seconds a stopped crawl has to close its run before it is forced (then killed 5 s later)
CRAWL_HOST_MAP = {}  # {"www.c40.org": "127.0.0.1:8765"}: for tests against a local server only

# --- health (crawler/run_health.py) -----------------------------------------------------------------
HEALTH_MIN_LIST_RATIO = 0.8  # a list shorter than this share of the page's own stated count is suspect
HEALTH_MAX_ERRORS = 0  # logged errors a healthy run may have
HEALTH_MAX_EMPTY_RATIO = 0.5  # share of items that may lack an expected field
HEALTH_MAX_DROP_RATIO = 0.5  # a list losing more than this share of its names in one run is held until confirmed
HEALTH_HOLD_SHARE = 0.3  # a list whose names changed by more than this share in one run: alerts held until agreed
HEALTH_DROP_CHECK_MIN_ROWS = 4  # lists shorter than this are too small to judge by shares (drop, change)

# --- scheduler/ ---------------------------------------------------------------------------------
SCHEDULER_TIMEZONE = "UTC"
SCHEDULER_DEFAULT_CRON = "0 5 * * *"  # for a spider that declares no `schedule`
SCHEDULER_SCHEDULES = {}  # {"c40_accelerators": "0 */6 * * *"}: overrides a spider's own schedule
SCHEDULER_JITTER = 600  # seconds of random delay per run, so crawls do not hit sites on the minute
SCHEDULER_CRAWL_TIMEOUT = 3600  # seconds before a hung crawl is killed (its run is closed as aborted)
SCHEDULER_MISFIRE_GRACE = 3600  # a run later than this (the machine slept) is skipped, not run late
SCHEDULER_OVERDUE_HOURS = 72  # warn when a spider has had no healthy run for this long

# --- source kit (spiders/base.py, places/curated.py) ----------------------------------------------
# A gazetteer file for the store's actor resolver instead of the bundled places/data/places.csv
# (None: $GLOCAL_PLACES_FILE, else the bundled file). Reference data only: it never changes a key.
STORE_PLACES_FILE = os.environ.get("GLOCAL_PLACES_FILE")
# An append-only listing (news, events) stops paging once this many items of a page are already
# in the store; rosters always read every page.
CRAWL_STOP_AFTER_KNOWN = 10

# --- backfill from web archives (operations/backfill.py, operations/wayback.py) -----------------------
# Any archive speaking the Wayback CDX protocol works (a pywb instance, Arquivo.pt's CDX server...).
BACKFILL_CDX_URL = os.environ.get("GLOCAL_BACKFILL_CDX_URL", "https://web.archive.org/cdx/search/cdx")
BACKFILL_REPLAY_URL = os.environ.get("GLOCAL_BACKFILL_REPLAY_URL", "https://web.archive.org/web")
BACKFILL_DELAY = _env_seconds("GLOCAL_BACKFILL_DELAY", 3.0)  # seconds between two requests to the archive
BACKFILL_AS_OF = None  # set by `glocal backfill` for each crawl: the moment the pages are answered as of

# --- alerts (alerts/; docs/alerts.md) ----------------------------------------------------
ALERTS_CONFIG = os.environ.get("GLOCAL_ALERTS")  # the rules file (TOML); None: no alerts are routed
ALERTS_SEND_INTERVAL = 60  # seconds between two runs of the service's delivery job
ALERTS_BACKOFF_BASE = 30  # seconds before the first retry of a failed send; doubles each attempt (with jitter)
ALERTS_BACKOFF_MAX = 3600  # the longest wait between two attempts
ALERTS_SLACK_INTERVAL = 1.0  # seconds between two messages to one Slack webhook (Slack allows about one per second)
ALERTS_SEND_BATCH = 500  # outbox rows handled per delivery run, so a huge backlog drains in bounded steps
ALERTS_HEALTH_FAILED_RUNS = 3  # failed crawls (site down, killed) in a row that make a spider blind
ALERTS_HEALTH_DROP_RATIO = 0.5  # a run with fewer items than (1 - this) x the median of its last healthy runs is blind
ALERTS_STALE_FACTOR = 3  # a spider is stale after this many schedule intervals without a healthy run
SCHEDULER_WORKERS = 2  # crawls at once (different sites only; never two runs of one spider)

# --- reliability (crawler/session.py, store/locks.py) --------------------------------------------
STORE_MAX_PAGE_COUNT = 0  # 0: no cap; else SQLite's max_page_count for a crawl's writes (caps the file size)
CRAWL_MAX_PAGE_CHARS = 3_000_000  # a page's decoded text longer than this is rejected, not parsed
CRAWL_MAX_PAGE_DEPTH = 256  # markup nested deeper than this (unclosed tags) is rejected, not parsed
# Scrapy's own cap on a response's bytes, decompressed bodies included (gzip bombs): the download is
# cancelled and the page reported failed. Far above any real page, far below Scrapy's 1 GB default.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
# Notes every request the spider makes for a scope, before any filter (offsite, duplicates), so a
# scope that never reports (an off-site redirect) is named in the run's health: see crawler/unseen_scopes.py.
SPIDER_MIDDLEWARES = {"crawler.unseen_scopes.ExpectedScopesMiddleware": 950}
# First of all downloader middlewares: no request to a private or loopback address (crawler/private_hosts.py).
DOWNLOADER_MIDDLEWARES = {**DOWNLOADER_MIDDLEWARES, "crawler.private_hosts.PrivateAddressMiddleware": 50}

# --- incremental listings (spiders/base.py; c40 branch) ---------------------------------------------
# True (`glocal crawl --full`): an append-only listing walks every page, never stopping at known items.
CRAWL_FULL = False

# --- UCLG spiders (spiders/uclg_news.py) --------------------------------------------------------
UCLG_NEWS_MAX_PAGES = 400  # per listing; the old "All News" listing reached page=293

# --- covenant (spiders/covenant_*.py, operations/covenant_import.py) -------------------------------
# The JSON endpoint behind https://eu-mayors.ec.europa.eu/en/signatories, once an operator has found
# it (docs/sources.md, covenant_signatories); "{page}" in it is replaced by the page number.
COVENANT_SIGNATORIES_JSON_URL = os.environ.get("GLOCAL_COVENANT_SIGNATORIES_JSON_URL") or None
COVENANT_SIGNATORIES_FIRST_PAGE = 0  # the first "{page}" number (Drupal counts from 0)
COVENANT_SIGNATORIES_MAX_PAGES = 2000  # a guard against a pager that never ends; reaching it = incomplete
COVENANT_OPEN_DATA_URL = os.environ.get("GLOCAL_COVENANT_OPEN_DATA_URL") or None  # the JRC file, for the spider

# --- UN sources (spiders/untc_status.py, spiders/unfccc_gcap.py) ---------------------------------
# UN Treaty Collection numbers whose status untc_status follows (CHAPTER-N[-x], as in the MTDSG).
UNTC_TREATIES = ["XXVII-7-d", "XXVII-7", "XXVII-7-a", "IV-8", "IV-15", "IV-2"]
# The Global Climate Action portal sits behind anti-bot protection: crawl it only when asked.
UNFCCC_GCAP_ENABLED = False
UNHABITAT_NEWS_PAGES = 2  # listing pages unhabitat_news reads each run (newest first)
UAP_EVENTS_PAGES = 3  # listing pages uap_events reads each run
