"""What a published output says about the data behind it: the capture range and the sites (for a
figure's source line and a snapshot's metadata), the signatories with their places (for the maps),
and the front page's summaries (latest changes, events, spider health).

Counts and lists of signatories are of signings (the `signings` view: one actor x one instrument),
never of the `signatures` rows that report them; the front page's per-instrument counts are
store/signings.py's `instrument_summaries`, the ones `glocal instruments` prints. The `signatures`
rows are read here only for what they are, sightings: when and where a page showed them."""

from __future__ import annotations

from sqlite_utils import Database


def capture_range(db: Database) -> tuple[str | None, str | None]:
    """The first and the last capture time of any page in the store (None, None when none)."""
    return tuple(db.execute("select min(fetched_at), max(fetched_at) from pages").fetchone())


def replayed_share(db: Database) -> tuple[int, int]:
    """(runs replayed from a web archive, all runs)."""
    return tuple(db.execute("select coalesce(sum(replay is not null), 0), count(*) from crawl_runs").fetchone())


def archive_files(db: Database) -> list[str]:
    """Every archive file a page points at, as recorded (absolute or relative), in order."""
    return [row[0] for row in db.execute("select distinct archive from pages where archive is not null order by 1")]


def instrument_capture_range(db: Database, key: str) -> tuple[str | None, str | None]:
    """The first and last capture time of the instrument's own row and its signatures."""
    return tuple(db.execute(
        """select min(t), max(t) from (
               select first_seen_at as t from instruments where key = :key
               union all select last_seen_at from instruments where key = :key
               union all select first_seen_at from signatures where instrument_key = :key
               union all select last_seen_at from signatures where instrument_key = :key)""",
        {"key": key}).fetchone())


def instrument_sites(db: Database, key: str) -> list[str]:
    """The sites (scheme and host) the instrument and its signatures were read from."""
    return [row[0] for row in db.execute(
        """select distinct substr(url, 1, instr(substr(url, 9), '/') + 8) from (
               select url from instruments where key = :key
               union select url from signatures where instrument_key = :key)
           where url like 'http%' order by 1""", {"key": key})]


def sources_by_capture(db: Database) -> list[dict]:
    """Per spider: runs, how many were replays of a web archive, and the first and last capture
    time of its pages (what the data describes, not when the crawl ran)."""
    return list(db.query(
        """select r.spider, count(distinct r.id) as runs,
                  count(distinct case when r.replay is not null then r.id end) as replays,
                  min(p.fetched_at) as first_capture, max(p.fetched_at) as last_capture
           from crawl_runs r left join pages p on p.run_id = r.id
           group by r.spider order by r.spider"""))


def primary_key(db: Database, table: str) -> list[str]:
    """The table's primary key columns ([] for a view or a rowid table)."""
    if table not in db.table_names():
        return []
    keys = db[table].pks
    return [] if keys == ["rowid"] else keys


# -- the front page of `glocal serve` ---------------------------------------------------------

def latest_changes(db: Database, limit: int = 12) -> list[dict]:
    """The most recent changes `glocal changes` shows (baseline rows of a first capture left out, as
    there), newest first, each with its label and instrument title."""
    from store.history import changes

    return list(reversed(changes(db, latest=limit)))


def baseline_changes(db: Database) -> int:
    """How many change rows are baselines (a list's first capture), which never alert."""
    return db.execute("select count(*) from changes where notify = 0").fetchone()[0]


def upcoming_events(db: Database, today: str, limit: int = 10) -> list[dict]:
    """Events that start on or after `today` (YYYY-MM-DD), soonest first."""
    return list(db.query(
        """select key, title, starts_on, ends_on, city, country, organiser, url from events
           where removed_at is null and starts_on >= ? order by starts_on, key limit ?""", [today, limit]))


def spider_health(db: Database) -> list[dict]:
    """Each spider's latest run: when it started, how it ended, whether it was healthy, and why not."""
    return list(db.query(
        """select r.spider, r.started_at, r.status, r.healthy, r.summary, r.items, r.replay is not null as replay,
                  (select count(*) from crawl_runs r2 where r2.spider = r.spider) as runs
           from crawl_runs r where r.id = (select max(r2.id) from crawl_runs r2 where r2.spider = r.spider)
           order by r.spider"""))


def mappable_signatories(db: Database, instrument_key: str | None = None) -> list[dict]:
    """One row per actor with a signing (of one instrument, or of any), read from the `signings`
    view so a city that two pages or scopes report is one marker: its name, country, GeoNames id,
    coordinates (None when the store holds none) and kind (city, state ...), how many instruments it signed, and whether
    every signing of it was removed from its list. Current and removed signings both count."""
    return list(db.query(
        """select g.actor_id, coalesce(min(g.actor), min(g.name_as_published)) as name,
                  case when count(*) = 1 then min(g.country) else coalesce(min(a.country), min(g.country)) end as country,
                  min(g.geonames_id) as geonames_id, min(a.latitude) as latitude, min(a.longitude) as longitude,
                  min(a.kind) as kind,
                  count(distinct g.instrument_key) as instruments, min(g.current = 0) as removed
           from signings g left join actors a on a.id = g.actor_id
           where (:key is null or g.instrument_key = :key)
           group by g.actor_id order by name, g.actor_id""", {"key": instrument_key}))


def view_names(db: Database) -> list[str]:
    """The store's views, in schema order."""
    return db.view_names()
