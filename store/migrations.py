"""The schema, as migrations. The tables are a public interface: docs/schema.md documents
every column, and a column changes only through a new migration here."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("glocal")

# Columns every tracked entity table carries: where it came from and when we saw it.
_TRACKING = {
    "source": str,
    "scope": str,
    "url": str,
    "first_seen_at": str,
    "last_seen_at": str,
    "removed_at": str,
    "first_run_id": int,
    "last_seen_run_id": int,
}


@migrations(transactional=False)
def m001_enable_wal(db: Database):
    # WAL lets researchers (and Datasette) read while a crawl writes.
    if not db.memory:
        db.enable_wal()


@migrations()
def m002_create_runs_and_pages(db: Database):
    db["crawl_runs"].create(
        {
            "id": int,
            "spider": str,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | finished | failed | aborted
            "finish_reason": str,
            "replay": str,  # the WARC a replay read, NULL for a live crawl
            "pages": int,
            "items": int,
            "errors": int,
            "healthy": int,
            "health": str,  # JSON list of {"check", "passed", "detail"}
            "summary": str,
        },
        pk="id",
    )
    db["crawl_runs"].create_index(["spider", "id"])
    db["pages"].create(
        {
            "id": int,
            "run_id": int,
            "url": str,
            "fetched_at": str,
            "status": int,
            "content_type": str,
            "etag": str,
            "last_modified": str,
            "sha256": str,
            "length": int,
            "archive": str,
            "archive_offset": int,
            "not_modified_of": int,  # for a 304: the page whose archived body still holds
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id"), ("not_modified_of", "pages", "id")],
    )
    db["pages"].create_index(["url", "fetched_at"])
    db["pages"].create_index(["run_id"])
    db["scope_runs"].create(
        {
            "id": int,
            "run_id": int,
            "scope": str,
            "entity": str,
            "url": str,
            "observed_at": str,
            "finished_at": str,  # NULL while the run is still writing this scope (or died doing so)
            "complete": int,
            "healthy": int,
            "baseline": int,
            "listed": int,
            "stated": int,
            "reason": str,
            "added": int,
            "updated": int,
            "removed": int,
            "restored": int,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id")],
    )
    db["scope_runs"].create_index(["scope", "run_id"])


@migrations()
def m003_create_actors(db: Database):
    db["actors"].create(
        {
            "id": int,
            "name": str,
            "country": str,
            "kind": str,
            "geonames_id": int,
            "key": str,  # name_key + country: how spellings find their actor
            "needs_review": int,  # 1 = not in the gazetteer, created from a name as seen
        },
        pk="id",
    )
    db["actors"].create_index(["key"], unique=True)
    db["actor_names"].create(
        {"id": int, "name": str, "source": str, "actor_id": int, "first_seen_at": str},
        pk="id",
        foreign_keys=[("actor_id", "actors", "id")],
    )
    db["actor_names"].create_index(["name", "source"], unique=True)


@migrations()
def m004_create_entities(db: Database):
    db["instruments"].create(
        {
            "key": str,
            "title": str,
            "kind": str,
            "issuer": str,
            "adopted_on": str,
            "place": str,
            "event_key": str,
            "text": str,
            "text_hash": str,
            **_TRACKING,
        },
        pk="key",
    )
    db["signatures"].create(
        {
            "key": str,
            "instrument_key": str,
            "actor_id": int,
            "actor_name": str,
            "country": str,
            "signed_on": str,
            "role": str,
            "status": str,
            "network_member": int,
            "commitments": str,
            **_TRACKING,
        },
        pk="key",
        foreign_keys=[("actor_id", "actors", "id"), ("instrument_key", "instruments", "key")],
    )
    db["memberships"].create(
        {
            "key": str,
            "network": str,
            "actor_id": int,
            "actor_name": str,
            "country": str,
            "category": str,
            **_TRACKING,
        },
        pk="key",
        foreign_keys=[("actor_id", "actors", "id")],
    )
    db["events"].create(
        {
            "key": str,
            "title": str,
            "starts_on": str,
            "ends_on": str,
            "city": str,
            "country": str,
            "organiser": str,
            "series": str,
            "edition": str,
            **_TRACKING,
        },
        pk="key",
    )
    db["announcements"].create(
        {"key": str, "title": str, "published_on": str, "summary": str, **_TRACKING},
        pk="key",
    )
    for table in ("instruments", "signatures", "memberships", "events", "announcements"):
        db[table].create_index(["scope", "removed_at"])
    db["signatures"].create_index(["instrument_key"])
    db["signatures"].create_index(["actor_id"])
    db["memberships"].create_index(["actor_id"])
    db["count_claims"].create(
        {
            "id": int,
            "key": str,  # subject + page: one series of observations
            "source": str,
            "subject_key": str,
            "count": int,
            "unit": str,
            "qualifier": str,
            "text": str,
            "url": str,
            "seen_at": str,  # first observation of this count on this page
            "last_seen_at": str,
            "run_id": int,
            "page_id": int,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id"), ("page_id", "pages", "id")],
    )
    db["count_claims"].create_index(["key", "id"])
    db["count_claims"].create_index(["subject_key"])


@migrations()
def m005_create_changes_and_deliveries(db: Database):
    db["changes"].create(
        {
            "id": int,
            "run_id": int,
            "entity": str,
            "entity_key": str,
            "change": str,  # added | updated | removed | restored
            "diff": str,  # JSON: the record (added), {field: [old, new]} (updated/restored)
            "observed_at": str,  # capture time of the evidence (the page, or the run that missed it)
            "detected_at": str,  # when the store recorded it
            "notify": int,  # 0 for a baseline: recorded, never alerted
            "scope": str,
            "page_id": int,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id"), ("page_id", "pages", "id")],
    )
    db["changes"].create_index(["entity", "entity_key", "id"])
    db["changes"].create_index(["run_id"])
    db["changes"].create_index(["detected_at"])
    db["deliveries"].create(
        {
            "id": int,
            "change_id": int,
            "digest_key": str,
            "channel": str,
            "dedupe_key": str,
            "status": str,  # pending | sent | failed
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        foreign_keys=[("change_id", "changes", "id")],
    )
    db["deliveries"].create_index(["dedupe_key"], unique=True)
    db["deliveries"].create_index(["status", "next_attempt_at"])


@migrations()
def m006_create_views(db: Database):
    # The questions researchers ask most, as plain SQL they can start from.
    db.create_view(
        "signatories",
        """
        select s.instrument_key, i.title as instrument_title, s.actor_id, a.name as actor,
               coalesce(s.country, a.country) as country, a.geonames_id, s.actor_name as name_as_published,
               s.signed_on, s.network_member, s.status, s.first_seen_at, s.last_seen_at, s.removed_at,
               s.source, s.url
        from signatures s
        left join actors a on a.id = s.actor_id
        left join instruments i on i.key = s.instrument_key
        """,
    )
    db.create_view(
        "count_history",
        """
        select subject_key, count, qualifier, unit, seen_at, last_seen_at, url, source, text
        from count_claims order by subject_key, seen_at
        """,
    )


@migrations()
def m010_scope_kinds(db: Database):
    # roster (absence from complete, healthy runs removes) or append-only (absence never removes).
    # Rows written before kinds existed were all treated as rosters.
    db["scope_runs"].add_column("kind", str)
    db.execute("update scope_runs set kind = 'roster' where kind is null")


@migrations()
def m080_create_archive_captures(db: Database):
    # History from web archives (glocal backfill): what an archive said it holds, and which
    # captures were fetched into our own WARC files. A listing is asked once per URL and spider,
    # so an interrupted backfill resumes without asking again.
    db["archive_listings"].create(
        {"url": str, "spider": str, "listed_at": str, "captures": int},
        pk=("url", "spider"),
    )
    db["archive_captures"].create(
        {
            "url": str,
            "timestamp": str,  # 14 digits UTC, as the archive names the capture
            "captured_at": str,  # the same moment as ISO-8601 UTC: the pages' fetched_at
            "digest": str,
            "mimetype": str,
            "archive": str,  # our WARC holding the capture's bytes, once fetched
            "archive_offset": int,
            "fetch_error": str,  # why the capture could not be used (redirect, error page)
        },
        pk=("url", "timestamp"),
    )
    # How a run came about: a live crawl, a replay of a WARC, or a backfill "as of" a past moment.
    db["crawl_runs"].add_column("kind", str)
    db["crawl_runs"].add_column("as_of", str)
    db.execute("update crawl_runs set kind = case when replay is null then 'live' else 'replay' end")


@migrations()
def m081_held_scope_runs(db: Database):
    # A list that changed too much at once is recorded but held: its alerts wait for a second run
    # that agrees or for an operator's `glocal changes confirm RUN`, and it counts for no removal.
    db["scope_runs"].add_column("hold", str)  # "agree" | "confirm" | NULL
    db["scope_runs"].add_column("held", int)  # 1 while waiting, 0 once released
    db["scope_runs"].add_column("held_keys", str)  # JSON: the list as the held run saw it
    db["changes"].add_column("held", int)  # 1: recorded by a held run, not alerted (yet)
    db["scope_runs"].create_index(["scope", "held"])


@migrations()
def m030_alert_outbox(db: Database):
    # The outbox of crawler/alerts: which rule put a row there, what kind of change it announces,
    # and when a sender claimed it (a row left "sending" by a killed sender is sent again).
    db["deliveries"].add_column("rule", str)
    db["deliveries"].add_column("kind", str)
    db["deliveries"].add_column("claimed_at", str)
    db["deliveries"].create_index(["channel", "status"])
    # Health incidents are `health` changes keyed by spider; the latest one says if one is open.
    db["changes"].create_index(["entity", "change", "id"])


@migrations()
def m011_count_claims_first_seen_at(db: Database):
    # Every other table names a row's first capture `first_seen_at`; count_claims said `seen_at`.
    db.execute("drop view if exists count_history")
    db["count_claims"].transform(rename={"seen_at": "first_seen_at"})
    db.create_view(
        "count_history",
        """
        select subject_key, count, qualifier, unit, first_seen_at, last_seen_at, url, source, text
        from count_claims order by subject_key, first_seen_at
        """,
    )


# --- reliability (m020-m029) ---------------------------------------------------------------------

@migrations()
def m020_create_crawl_locks(db: Database):
    # One row while a crawl of a spider runs; see store/locks.py for how a dead holder is detected.
    db["crawl_locks"].create(
        {
            "spider": str,
            "host": str,
            "pid": int,
            "process_started": str,
            "acquired_at": str,
        },
        pk="spider",
    )


@migrations()
def m040_actor_review_decisions(db: Database):
    # A reviewer's merge points an actor at the one it duplicates; re-crawls follow the pointer.
    db["actors"].add_column("merged_into", int)
    db["actors"].create_index(["merged_into"])
    db["actor_names"].create_index(["actor_id"])
    db["actor_decisions"].create(
        {
            "id": int,
            "decision": str,  # merge | split
            "actor_id": int,  # merge: the actor merged away; split: the actor a spelling left
            "other_actor_id": int,  # merge: the actor kept; split: the actor the spelling now names
            "name": str,  # split: the spelling moved
            "source": str,  # split: only that source's spelling (NULL: every source)
            "moved": int,  # rows re-pointed (names, signatures, memberships)
            "decided_at": str,
            "note": str,
        },
        pk="id",
        foreign_keys=[("actor_id", "actors", "id"), ("other_actor_id", "actors", "id")],
    )


@migrations()
def m041_search_index(db: Database):
    # One FTS5 index over instrument titles and texts and announcement titles and summaries, kept in
    # step by triggers. Its rowid is the row's rowid times two (plus one for announcements), so a
    # trigger finds its entry without a scan; the update triggers fire only when indexed text changes
    # (a crawl touching last_seen_at costs nothing).
    db.execute(
        """create virtual table search_index using fts5(
               entity unindexed, entity_key unindexed, title, body,
               tokenize = 'unicode61 remove_diacritics 2')"""
    )
    for table, entity, body, offset in (("instruments", "instrument", "text", 0),
                                        ("announcements", "announcement", "summary", 1)):
        row_id = f"{{row}}.rowid * 2 + {offset}"
        insert = (f"insert into search_index (rowid, entity, entity_key, title, body) "
                  f"values ({row_id.format(row='new')}, '{entity}', new.key, new.title, new.{body});")
        delete = f"delete from search_index where rowid = {row_id.format(row='old')};"
        db.execute(f"create trigger {table}_search_ai after insert on {table} begin {insert} end")
        db.execute(f"create trigger {table}_search_ad after delete on {table} begin {delete} end")
        db.execute(f"create trigger {table}_search_au after update of key, title, {body} on {table} "
                   f"begin {delete} {insert} end")
        db.execute(f"""insert into search_index (rowid, entity, entity_key, title, body)
                       select rowid * 2 + {offset}, '{entity}', key, title, {body} from {table}""")


@migrations()
def m042_query_indexes(db: Database):
    # What the named queries in store/queries.py look up (bench/queries.py checks the plans).
    db["memberships"].create_index(["network", "removed_at"])
    db["instruments"].create_index(["event_key"])
    db["instruments"].create_index(["issuer"])
    db["signatures"].create_index(["actor_id", "removed_at"])
    db["events"].create_index(["city"])
    # As-of lists and count histories read each signature's changes by capture time: index-only.
    db["changes"].create_index(["entity", "entity_key", "observed_at", "id", "change"])
    # Network sets (signatories of the instruments a network issued) read from the index alone.
    db["signatures"].create_index(["instrument_key", "removed_at", "actor_id"])
    db["actors"].create_index(["name"])  # a place named by a user


# --- c40 branch: m050-m054 ---------------------------------------------------------------------------

@migrations()
def m050_create_signing_dates_view(db: Database):
    # An instrument's own list (scope "signatures:<instrument key>") beside the dated evidence other
    # scopes hold for the same actor and instrument (a news post saying a city signed on a day):
    # "first seen on the list" and "signed per the evidence" in one row, in plain SQL.
    db.create_view(
        "signing_dates",
        """
        select l.instrument_key, l.actor_id, a.name as actor, l.actor_name as name_as_published,
               l.first_seen_at, l.removed_at, l.signed_on as signed_on_list,
               (select min(e.signed_on) from signatures e
                 where e.instrument_key = l.instrument_key and e.actor_id = l.actor_id
                   and e.scope != l.scope and e.signed_on is not null) as signed_on_evidence,
               (select e.url from signatures e
                 where e.instrument_key = l.instrument_key and e.actor_id = l.actor_id
                   and e.scope != l.scope and e.signed_on is not null
                 order by e.signed_on, e.key limit 1) as evidence_url
        from signatures l
        left join actors a on a.id = l.actor_id
        where l.scope = 'signatures:' || l.instrument_key
        """,
    )


@migrations()
def m055_announcement_tags(db: Database):
    # UCLG's listings label each item with topics ("World Council, Governance"): kept as printed.
    db["announcements"].add_column("tags", str)


# --- covenant (m060-m069) ------------------------------------------------------------------------

@migrations()
def m060_covenant_population_and_actor_refs(db: Database):
    # The Covenant states each signatory's population and its own id (JRC organisation_id).
    db["signatures"].add_column("population", int)
    db["signatures"].add_column("source_id", str)
    db["signatures"].create_index(["source_id"])
    # An actor is found by a source's own id ("covenant:11547") or by the signature it first
    # signed ("covenant-name:<signature key>"), so two authorities that share a name never merge.
    db["actor_refs"].create(
        {"ref": str, "actor_id": int, "source": str, "first_seen_at": str},
        pk="ref",
        foreign_keys=[("actor_id", "actors", "id")],
    )
    db["actor_refs"].create_index(["actor_id"])


@migrations()
def m070_signature_treaty_actions(db: Database):
    # A treaty participant is bound by an act (ratification, accession ...) on its own date, which
    # may later be withdrawn: signed_on alone cannot say "signed but never ratified" or "left".
    db["signatures"].add_column("action", str)
    db["signatures"].add_column("action_on", str)
    db["signatures"].add_column("as_printed", str)


@migrations()
def m071_create_treaty_links(db: Database):
    # Which city instruments act under which treaty: the bridge between city action and the state
    # system (docs/queries.md). Rows are data a researcher may extend; these are the documented ties.
    db["treaty_links"].create(
        {"id": int, "instrument_pattern": str, "treaty_key": str, "basis": str},
        pk="id",
    )
    db["treaty_links"].create_index(["instrument_pattern", "treaty_key"], unique=True)
    db["treaty_links"].insert_all([
        {"instrument_pattern": "c40_accelerators/%", "treaty_key": "untc_status/XXVII-7-d",
         "basis": "C40's accelerators commit cities to targets aligned with the Paris Agreement's 1.5 °C goal"},
        {"instrument_pattern": "unfccc_gcap/%", "treaty_key": "untc_status/XXVII-7-d",
         "basis": "the Global Climate Action portal records non-state climate action under the Paris Agreement"},
        {"instrument_pattern": "unfccc_gcap/%", "treaty_key": "untc_status/XXVII-7",
         "basis": "the portal is run by the UNFCCC secretariat (Marrakech Partnership for Global Climate Action)"},
    ])


@migrations()
def m072_signature_withdrawal_dates(db: Database):
    # When a state left a treaty: the notification and its effect, as the UN's end-notes tabulate them.
    db["signatures"].add_column("withdrawal_notified_on", str)
    db["signatures"].add_column("withdrawal_effective_on", str)


# --- store performance (m090-m094) -------------------------------------------------------------------

@migrations()
def m090_drop_prefix_signature_indexes(db: Database):
    # Two indexes of m020 are prefixes of m042's: (actor_id) of (actor_id, removed_at) and
    # (instrument_key) of (instrument_key, removed_at, actor_id). A lookup by the first column is
    # served as well by the longer one, while every write paid for both: actor ids arrive in no order,
    # so each batch of a crawl rewrote most pages of both actor indexes (a third of the pages a
    # 100,000-signature first crawl wrote; docs/performance.md).
    db.execute("drop index if exists idx_signatures_actor_id")
    db.execute("drop index if exists idx_signatures_instrument_key")


# --- query performance (m095-m099) ---------------------------------------------------------------

@migrations()
def m095_current_members_covering_index(db: Database):
    # network_overlap reads a network's current members (network = ? and removed_at is null) for
    # both networks it compares; with actor_id in the index those reads never touch the table (a
    # 12,000-member list was 12,000 row lookups). The m042 index (network, removed_at) is a prefix
    # of this one, so it goes: every lookup it served, this one serves.
    db.execute("drop index if exists idx_memberships_network_removed_at")
    db["memberships"].create_index(["network", "removed_at", "actor_id"], if_not_exists=True)


@migrations()
def m096_signatures_by_instrument_covering_index(db: Database):
    # count_history reads, for every signature of an instrument, its key (to find its changes) and
    # its scope (to find the list's captures): with both in the index, a 10,000-signatory list is
    # read from the index alone instead of 20,000 row lookups. The m004 index (instrument_key) is a
    # prefix of this one, so it goes, and a signature insert still updates as many indexes as before.
    db.execute("drop index if exists idx_signatures_instrument_key")
    db["signatures"].create_index(["instrument_key", "scope", "key"], if_not_exists=True)


@migrations()
def m200_actor_places_links_and_review(db: Database):
    # The one resolver (places/resolver.py, issue 19) says more than a name: GeoNames' point of the
    # place (never a source's own coordinates), the authority a metropolitan body, county, district
    # or rayon belongs to (part_of: its seat city's actor), the towns of a group signatory
    # (actor_members), and, for a name left to review, why and which places it might be.
    actors = db["actors"]
    actors.add_column("latitude", float)
    actors.add_column("longitude", float)
    actors.add_column("part_of", int)
    actors.add_column("review_reason", str)
    actors.add_column("review_candidates", str)  # JSON list of one-line labels, best first
    actors.create_index(["geonames_id"], if_not_exists=True)
    db["actor_members"].create(
        {"group_id": int, "member_id": int},
        pk=("group_id", "member_id"),
        foreign_keys=[("group_id", "actors", "id"), ("member_id", "actors", "id")],
    )
