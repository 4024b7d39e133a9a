"""What a published output says about the data behind it: the capture range and the sites (for a
figure's source line and a snapshot's metadata), an instrument's signatories with their places
(for the map), and the front page's summaries (instruments, latest changes, events, spider health)."""

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


def instrument_signatories(db: Database, key: str) -> list[dict]:
    """One row per actor that signed the instrument: id, name, country, geonames_id, the coordinates
    the store holds for it (None when it holds none) and whether every signature of it was removed."""
    actor_columns = {row[1] for row in db.execute("pragma table_info(actors)")}
    coordinates = ("a.latitude, a.longitude" if {"latitude", "longitude"} <= actor_columns
                   else "null as latitude, null as longitude")
    return list(db.query(
        f"""select coalesce(a.id, 0) as actor_id, coalesce(a.name, s.actor_name) as name,
                   coalesce(a.country, s.country) as country, a.geonames_id, {coordinates},
                   min(s.removed_at is not null) as removed
            from signatures s left join actors a on a.id = s.actor_id
            where s.instrument_key = :key
            group by coalesce(a.id, s.actor_name) order by name""", {"key": key}))


def instrument_title(db: Database, key: str) -> str | None:
    row = db.execute("select title from instruments where key = ?", [key]).fetchone()
    return row[0] if row else None


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

def instrument_overview(db: Database) -> list[dict]:
    """Every instrument with its signatories now, those removed, and the latest count its pages stated."""
    return list(db.query(
        """select i.key, i.title, i.issuer, i.kind,
                  (select count(distinct coalesce(s.actor_id, s.actor_name)) from signatures s
                   where s.instrument_key = i.key and s.removed_at is null) as signatories,
                  (select count(*) from signatures s where s.instrument_key = i.key and s.removed_at is not null) as removed,
                  (select c.count from count_claims c where c.subject_key = i.key
                   order by c.last_seen_at desc, c.id desc limit 1) as stated
           from instruments i order by signatories desc, i.key"""))


def latest_changes(db: Database, limit: int = 12) -> list[dict]:
    """The most recent changes, newest capture first."""
    return list(db.query(
        """select id, observed_at, entity, entity_key, change, scope from changes
           order by observed_at desc, id desc limit ?""", [limit]))


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
    """Actors that signed (one instrument, or any), with the instruments, whether every signature
    was removed, and the store's coordinates when it has the columns."""
    actor_columns = {row[1] for row in db.execute("pragma table_info(actors)")}
    coordinates = ("a.latitude, a.longitude" if {"latitude", "longitude"} <= actor_columns
                   else "null as latitude, null as longitude")
    return list(db.query(
        f"""select a.id as actor_id, a.name, a.country, a.geonames_id, {coordinates},
                   count(distinct s.instrument_key) as instruments, min(s.removed_at is not null) as removed
            from signatures s join actors a on a.id = s.actor_id
            where (:key is null or s.instrument_key = :key)
            group by a.id order by a.name""", {"key": instrument_key}))


def view_names(db: Database) -> list[str]:
    """The store's views, in schema order."""
    return db.view_names()
