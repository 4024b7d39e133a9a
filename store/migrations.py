"""The schema, as migrations. The tables are a public interface: docs/schema.md documents
every column, and a column changes only through a new migration here."""

from __future__ import annotations

import re

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


@migrations()
def m210_actor_place_ref(db: Database):
    # A town that GeoNames' cities500 lacks comes from a second data set (places/gazetteer.py: the
    # countries-states-cities database): its id there ("csc:31941") is the place's identity, as
    # geonames_id is for a GeoNames town, so two towns of one name stay two actors.
    db["actors"].add_column("place_ref", str)
    db["actors"].create_index(["place_ref"], if_not_exists=True)


# --- signings: one actor x one instrument, the networks' names, reports (m100-m149) -------------------

@migrations()
def m100_scope_kinds(db: Database):
    # Whether a scope is a roster (a list that says who is in) or append-only (news posts): the
    # signing rules read it per evidence row, so it is one indexed row per scope rather than a
    # look through every run of the scope. A trigger keeps it in step with the runs' reports (the
    # latest report of a scope names its kind).
    db["scope_kinds"].create({"scope": str, "kind": str}, pk="scope")
    db.execute("""insert or replace into scope_kinds (scope, kind)
                  select scope, coalesce(kind, 'roster') from scope_runs order by id""")
    db.execute("""create trigger scope_runs_kind_ai after insert on scope_runs begin
                      insert or replace into scope_kinds (scope, kind) values (new.scope, coalesce(new.kind, 'roster'));
                  end""")


@migrations()
def m101_signature_instrument_names(db: Database):
    # A news post names the instrument it reports on ("the C40 Zero Waste Accelerator") even when no
    # list of that instrument is crawled: kept with the evidence, so the instrument has a title.
    db["signatures"].add_column("instrument_title", str)
    db["signatures"].add_column("instrument_issuer", str)


# Networks and bodies that issue instruments, hold member lists or organise events, each with the
# names the sources print for it. `parent` is the body a statutory organ belongs to (UCLG's World
# Council), so a network's instruments include those of its organs. Researchers may add rows.
NETWORKS_SEED = (
    # name, kind, parent, aliases
    ("C40 Cities", "network", None, ("C40", "C40 Cities Climate Leadership Group")),
    ("UCLG", "network", None, ("United Cities and Local Governments", "CGLU", "CGLU - UCLG")),
    ("UCLG World Congress", "statutory body", "UCLG", ("World Congress of UCLG",)),
    ("UCLG World Council", "statutory body", "UCLG", ("World Council of UCLG",)),
    ("UCLG Executive Bureau", "statutory body", "UCLG", ()),
    ("Covenant of Mayors - Europe", "network", None,
     ("Covenant of Mayors", "EU Covenant of Mayors", "Covenant of Mayors for Climate & Energy",
      "Covenant of Mayors for Climate and Energy", "Covenant of Mayors – Europe", "Covenant of Mayors Europe")),
    ("Global Covenant of Mayors for Climate & Energy", "network", None,
     ("GCoM", "Global Covenant of Mayors", "Global Covenant of Mayors for Climate and Energy")),
    ("ICLEI", "network", None, ("ICLEI - Local Governments for Sustainability", "ICLEI – Local Governments for Sustainability")),
    ("Eurocities", "network", None, ("EUROCITIES",)),
    ("Metropolis", "network", None, ("World Association of the Major Metropolises",)),
    ("ECCAR", "network", None, ("European Coalition of Cities Against Racism",)),
    ("ICCAR", "network", None, ("International Coalition of Inclusive and Sustainable Cities",)),
    ("Global Parliament of Mayors", "network", None, ("GPM",)),
    ("Mayors Migration Council", "network", None, ("MMC",)),
    ("Mayors Mechanism", "mechanism", None, ("Mayors Mechanism (UCLG, Mayors Migration Council, IOM)",)),
    ("Global Taskforce of Local and Regional Governments", "network of networks", None, ("GTF", "Global Taskforce")),
    ("European Commission", "EU institution", None, ("European Commission (DG REGIO)", "EC")),
    ("European Committee of the Regions", "EU institution", None, ("CoR",)),
    ("United Nations", "UN body", None,
     ("UN", "United Nations (depositary: the Secretary-General)", "UN Secretary-General")),
    ("UN DESA", "UN body", "United Nations", ("United Nations Department of Economic and Social Affairs",)),
    ("UN-Habitat", "UN body", "United Nations", ("United Nations Human Settlements Programme", "UN Habitat")),
    ("UNFCCC", "UN body", "United Nations",
     ("UNFCCC secretariat", "UNFCCC Global Climate Action portal",
      "United Nations Framework Convention on Climate Change secretariat")),
    ("UNESCO", "UN body", "United Nations", ()),
    ("UNACLA", "UN body", "UN-Habitat", ("United Nations Advisory Committee of Local Authorities",)),
    ("IOM", "UN body", "United Nations", ("International Organization for Migration",)),
)


@migrations()
def m102_network_vocabulary(db: Database):
    # One row per network or body, and every name a source prints for it ("C40" and "C40 Cities"):
    # memberships.network and each body named in instruments.issuer are looked up here (case and
    # dash forms ignored), so a question about a network gets one answer whatever its spelling.
    db["networks"].create({"id": int, "name": str, "kind": str, "parent_id": int}, pk="id",
                          foreign_keys=[("parent_id", "networks", "id")])
    db["networks"].create_index(["name"], unique=True)
    db.execute("create table network_aliases (alias text primary key collate nocase, network_id integer "
               "not null references networks(id))")
    ids = {}
    for name, kind, parent, _aliases in NETWORKS_SEED:
        ids[name] = db["networks"].insert({"name": name, "kind": kind, "parent_id": ids.get(parent)}).last_pk
    for name, _kind, _parent, aliases in NETWORKS_SEED:
        for alias in (name, *aliases):
            db.execute("insert or ignore into network_aliases (alias, network_id) values (?, ?)", [alias, ids[name]])
    # Each body an instrument names as its issuer ("European Commission; Covenant of Mayors - Europe"
    # is two), with the vocabulary's network when it knows the name.
    db.create_view("instrument_issuers", """
        with recursive parts(instrument_key, issuer, rest) as (
          select key, null, issuer || '; ' from instruments where issuer is not null
          union all
          select instrument_key, trim(substr(rest, 1, instr(rest, '; ') - 1)), substr(rest, instr(rest, '; ') + 2)
          from parts where rest <> ''
        )
        select p.instrument_key, p.issuer as issuer_as_printed, n.id as network_id, n.name as network
        from parts p left join network_aliases a on a.alias = p.issuer left join networks n on n.id = a.network_id
        where p.issuer is not null and p.issuer <> ''
    """)
    db.create_view("membership_networks", """
        select m.key as membership_key, m.actor_id, m.network as network_as_printed, n.id as network_id,
               coalesce(n.name, m.network) as network, m.removed_at
        from memberships m left join network_aliases a on a.alias = m.network left join networks n on n.id = a.network_id
    """)


@migrations()
def m103_instrument_records(db: Database):
    # Every instrument a signing can point at: the rows of `instruments` (each from its own page or
    # list) and, for an instrument only other evidence names (C40's Zero Waste accelerator, whose
    # page is not crawled, named by news posts), one record made from that evidence: the title and
    # issuer the first post printed. `instrument_mentions` holds those, one row per instrument key a
    # signature pointed at, written by a trigger in the same transaction as the signature.
    db["instrument_mentions"].create({"instrument_key": str, "title": str, "issuer": str, "source": str,
                                      "url": str, "first_seen_at": str}, pk="instrument_key")
    # Two triggers, so that a list's own rows (no title, their instrument already recorded) cost one
    # primary-key look each and write nothing.
    db.execute("""create trigger signatures_mention_titled_ai after insert on signatures
                  when new.instrument_title is not null begin
                      insert or ignore into instrument_mentions (instrument_key, title, issuer, source, url, first_seen_at)
                      values (new.instrument_key, new.instrument_title, new.instrument_issuer, new.source, new.url,
                              new.first_seen_at);
                      update instrument_mentions set title = new.instrument_title, issuer = new.instrument_issuer
                      where instrument_key = new.instrument_key and title is null;
                  end""")
    db.execute("""create trigger signatures_mention_untitled_ai after insert on signatures
                  when new.instrument_title is null
                   and not exists (select 1 from instruments where key = new.instrument_key) begin
                      insert or ignore into instrument_mentions (instrument_key, source, url, first_seen_at)
                      values (new.instrument_key, new.source, new.url, new.first_seen_at);
                  end""")
    db.execute("""insert or ignore into instrument_mentions (instrument_key, source, url, first_seen_at)
                  select instrument_key, min(source), min(url), min(first_seen_at) from signatures
                  where instrument_key not in (select key from instruments) group by instrument_key""")
    db.create_view("instrument_records", """
        select i.key, i.title, i.kind, i.issuer, i.adopted_on, i.place, i.event_key, i.source, i.url,
               i.first_seen_at, i.removed_at, 'page' as known_from
        from instruments i
        union all
        select mention.instrument_key, coalesce(mention.title, mention.instrument_key), null, mention.issuer, null, null,
               null, mention.source, mention.url, mention.first_seen_at, null, 'news'
        from instrument_mentions mention
        where not exists (select 1 from instruments i where i.key = mention.instrument_key)
    """)


@migrations()
def m104_signings(db: Database):
    # A signing is one actor x one instrument; the signatures rows that report it (the instrument's
    # own list, a news post, an imported file) are its evidence. A row is list evidence when its
    # scope is a roster (the list says who is in), news evidence when its scope is append-only.
    db.create_view("signing_evidence", """
        select s.key, s.instrument_key, s.actor_id, s.actor_name as name_as_published,
               coalesce(s.country, a.country) as country, s.signed_on, s.status, s.role, s.source, s.scope,
               case when coalesce(k.kind, 'roster') = 'roster' then 'list' else 'news' end as evidence,
               s.url, s.first_seen_at, s.last_seen_at, s.removed_at
        from signatures s
        left join actors a on a.id = s.actor_id
        left join scope_kinds k on k.scope = s.scope
    """)
    # The rules, stated once: on the list = some list row is not removed; current = on the list, or
    # named only by news (news is never removed); the signing date = the list's own date, else the
    # earliest date any evidence printed, with the row that printed it (date, source, url packed in
    # one text so min() picks them together; char(31) cannot occur in a date or a URL).
    db.create_view("signings", """
        with grouped as (
          select s.instrument_key, s.actor_id,
                 count(*) as evidence_rows,
                 sum(s.is_list) as list_rows,
                 max(s.is_list and s.removed_at is null) as on_list,
                 max(not s.is_list and s.removed_at is null) as news_current,
                 min(case when s.is_list and s.signed_on is not null
                          then s.signed_on || char(31) || 'list' || char(31) || s.source || char(31) || s.url end) as list_date,
                 min(case when s.signed_on is not null
                          then s.signed_on || char(31) || case when s.is_list then 'list' else 'news' end
                               || char(31) || s.source || char(31) || s.url end) as any_date,
                 min(s.first_seen_at) as first_seen_at,
                 min(case when s.is_list then s.first_seen_at end) as listed_since,
                 max(case when s.is_list then s.removed_at end) as last_removed_at,
                 coalesce(min(case when s.is_list and s.removed_at is null then s.actor_name end),
                          min(case when s.is_list then s.actor_name end), min(s.actor_name)) as name_as_published,
                 coalesce(max(case when s.is_list then s.country end), max(s.country)) as country,
                 max(case when s.is_list then s.status end) as status,
                 max(case when s.is_list then s.action end) as action,
                 max(case when s.is_list then s.action_on end) as action_on,
                 max(case when s.is_list then s.withdrawal_notified_on end) as withdrawal_notified_on,
                 max(case when s.is_list then s.withdrawal_effective_on end) as withdrawal_effective_on,
                 max(case when s.is_list then s.as_printed end) as as_printed,
                 max(case when s.is_list then s.role end) as role,
                 min(case when s.is_list then s.network_member end) as network_member,
                 group_concat(distinct s.source) as sources
          from (select s.*, coalesce(k.kind, 'roster') = 'roster' as is_list
                from signatures s left join scope_kinds k on k.scope = s.scope) s
          group by s.instrument_key, s.actor_id
        ),
        dated as (select *, coalesce(list_date, any_date) as best_date from grouped)
        select d.instrument_key,
               coalesce(i.title, (select m.title from instrument_mentions m where m.instrument_key = d.instrument_key),
                        d.instrument_key) as instrument_title,
               d.actor_id, a.name as actor,
               coalesce(d.country, a.country) as country, a.geonames_id, d.name_as_published,
               coalesce(d.on_list, 0) as on_list,
               case when d.on_list then 'listed' when d.list_rows > 0 then 'removed' else 'news only' end as standing,
               case when d.on_list or (d.list_rows = 0 and d.news_current) then 1 else 0 end as current,
               substr(d.best_date, 1, instr(d.best_date, char(31)) - 1) as signed_on,
               substr(d.best_date, instr(d.best_date, char(31)) + 1, 4) as signed_on_from,
               substr(substr(d.best_date, instr(d.best_date, char(31)) + 6), 1,
                      instr(substr(d.best_date, instr(d.best_date, char(31)) + 6), char(31)) - 1) as signed_on_source,
               substr(substr(d.best_date, instr(d.best_date, char(31)) + 6),
                      instr(substr(d.best_date, instr(d.best_date, char(31)) + 6), char(31)) + 1) as signed_on_url,
               d.first_seen_at, d.listed_since,
               case when d.list_rows > 0 and not d.on_list then d.last_removed_at end as removed_at,
               d.status, d.action, d.action_on, d.withdrawal_notified_on, d.withdrawal_effective_on, d.as_printed,
               d.role, d.network_member, d.evidence_rows, d.sources
        from dated d
        left join actors a on a.id = d.actor_id
        left join instruments i on i.key = d.instrument_key
    """)


@migrations()
def m105_reports(db: Database):
    # A Voluntary Local Review is a report a city publishes about itself, not an instrument it
    # signs: its own table, with the city as author (actor_id) and its date as precise as the source
    # prints it (a year, a month or a day), never a bare year in an `_on` column.
    db["reports"].create(
        {"key": str, "title": str, "kind": str, "actor_id": int, "actor_name": str, "country": str,
         "published": str, "published_precision": str, "reviews": str, "document_url": str, **_TRACKING},
        pk="key",
        foreign_keys=[("actor_id", "actors", "id")],
    )
    db["reports"].create_index(["actor_id"])
    db["reports"].create_index(["scope"])
    # The reviews stored before (an instrument of kind voluntary_local_review "signed" by its city as
    # submitter) move here, with their history kept in `changes` under their old keys.
    db.execute("""
        insert into reports (key, title, kind, actor_id, actor_name, country, published, published_precision,
                             reviews, document_url, source, scope, url, first_seen_at, last_seen_at, removed_at,
                             first_run_id, last_seen_run_id)
        select i.key, i.title, i.kind, s.actor_id, s.actor_name, s.country, i.adopted_on,
               case length(i.adopted_on) when 4 then 'year' when 7 then 'month' when 10 then 'day' end,
               '2030 Agenda', case when i.text like 'Report: %' then substr(i.text, 9) end,
               i.source, 'reports:' || i.source, i.url, i.first_seen_at, i.last_seen_at, i.removed_at,
               i.first_run_id, i.last_seen_run_id
        from instruments i
        left join signatures s on s.instrument_key = i.key and s.role = 'submitter'
        where i.kind in ('voluntary_local_review', 'vlr')""")
    db.execute("""delete from signatures where instrument_key in
                  (select key from instruments where kind in ('voluntary_local_review', 'vlr'))""")
    db.execute("delete from instrument_mentions where instrument_key in (select key from reports)")
    db.execute("delete from instruments where kind in ('voluntary_local_review', 'vlr')")
    # A place named by a user regardless of (ASCII) case, found by index: the named queries' fallback.
    db.execute("create index if not exists idx_actors_name_nocase on actors (name collate nocase)")
    db.execute("create index if not exists idx_actor_names_name_nocase on actor_names (name collate nocase)")


@migrations()
def m106_signing_indexes(db: Database):
    # Signings group an instrument's evidence rows by actor and tell list rows from news rows by
    # their scope: the two indexes that read an instrument's rows gain the column each lacked, so
    # network_overlap (current signings of a network's instruments) and count_history (each actor's
    # changes) still read the rows from the index alone. Each new index has the old one as a
    # prefix, so every lookup the old one served it serves, and a write updates as many indexes.
    db.execute("drop index if exists idx_signatures_instrument_key_removed_at_actor_id")
    db["signatures"].create_index(["instrument_key", "removed_at", "actor_id", "scope"], if_not_exists=True)
    db.execute("drop index if exists idx_signatures_instrument_key_scope_key")
    db["signatures"].create_index(["instrument_key", "scope", "key", "actor_id"], if_not_exists=True)


# --- the generic roster reader (m250-m299) --------------------------------------------------------

@migrations()
def m250_scope_runs_stand_in(db: Database):
    # A list its parser could not read (a landmark missing after a redesign) may be read by the
    # generic roster reader instead: the scope run names the reader that stood in, so a researcher
    # can tell a list read by its parser from one read by the fallback ("reader standing in").
    db["scope_runs"].add_column("stand_in", str)



# The networks and issuers of the configured rosters (spiders/rosters.toml), and every name they go
# by, so that network_overlap and the other named queries reach them by any of those names. The
# MUFPP's issuer as the roster prints it is the City of Milan, which launched the pact and hosts its
# secretariat; it issues nothing else the store holds, so its name answers for the pact. CEDAMIA
# keeps the register of climate emergency declarations (each declared by its own jurisdiction):
# the register answers for them, by its name or the declarations' ("Climate Energy Declaration" is
# the misnaming the field's article prints, research/domain.md).
ROSTER_NETWORKS = (
    # name, kind, aliases (names already in the vocabulary are left where they are)
    ("Climate Mayors", "network", ("Climate Mayors network", "Mayors National Climate Action Agenda", "MNCAA")),
    ("Mayors for Peace", "network", ("World Conference of Mayors for Peace through Inter-city Solidarity",
                                     "Mayors for Peace network")),
    ("Milan Urban Food Policy Pact", "network", ("MUFPP", "Milan Pact", "Urban Food Policy Pact", "City of Milan",
                                                 "Comune di Milano", "MUFPP Secretariat")),
    ("World Green Building Council", "network", ("WorldGBC", "World GBC", "WGBC")),
    ("CEDAMIA", "register", ("Climate Emergency Declaration and Mobilisation In Action",
                             "Climate emergency declarations", "Climate Emergency Declaration",
                             "Climate Energy Declaration")),
    ("ICLEI", "network", ("ICLEI Local Governments for Sustainability", "Local Governments for Sustainability",
                          "International Council for Local Environmental Initiatives")),
    ("ICCAR", "network", ("International Coalition of Cities against Racism",)),  # its name until 2019
)


@migrations()
def m251_roster_network_vocabulary(db: Database):
    for name, kind, aliases in ROSTER_NETWORKS:
        row = db.execute("select id from networks where name = ?", [name]).fetchone()
        network_id = row[0] if row else db["networks"].insert({"name": name, "kind": kind}).last_pk
        for alias in (name, *aliases):
            # Insert or ignore: a name a researcher already gave another network stays theirs.
            db.execute("insert or ignore into network_aliases (alias, network_id) values (?, ?)", [alias, network_id])


@migrations()
def m252_memberships_network_nocase_index(db: Database):
    # The named queries take a network by any of its names, which compare without case; a member
    # list may print one in other capitals ("EUROCITIES" beside the alias "Eurocities"). This index
    # finds such spellings in one look per alias instead of a scan of every membership.
    db.execute("create index idx_memberships_network_nocase on memberships (network collate nocase)")


# --- store performance, issue 24 (m300-m349) ----------------------------------------------------------

@migrations()
def m300_one_signature_index_by_instrument(db: Database):
    # m106 kept two indexes that start with instrument_key: (instrument_key, removed_at, actor_id, scope)
    # for an instrument's signings and (instrument_key, scope, key, actor_id) for count_history. One
    # index with all five columns serves both from the index alone (each reads every row of one
    # instrument, then groups or filters on the other columns), and every signature insert updates
    # one index fewer: a list's first ingest spends most of its SQLite time in index maintenance
    # (docs/performance.md). bench/queries.py and tests/research/test_query_rewrites.py check the plans.
    db["signatures"].create_index(["instrument_key", "removed_at", "actor_id", "scope", "key"], if_not_exists=True)
    db.execute("drop index if exists idx_signatures_instrument_key_removed_at_actor_id_scope")
    db.execute("drop index if exists idx_signatures_instrument_key_scope_key_actor_id")


# The rule of the signings view (m104) for one actor x one instrument, over its evidence rows `s`
# joined to their scope's kind `k`: current when a list row is not removed, or when no list row was
# ever seen and a news row stands. current_signings holds the pairs it makes current (m301).
_CURRENT_RULE = """max(coalesce(k.kind, 'roster') = 'roster' and s.removed_at is null)
                 or (not max(coalesce(k.kind, 'roster') = 'roster') and max(s.removed_at is null))"""


def _refresh_signing(instrument: str, actor: str) -> str:
    # One signing's row of current_signings made again from its evidence, which the actor's index
    # finds (an actor has a few rows; "+" keeps the planner off the instrument's index, whose rows
    # for one actor lie under every removal date). Nothing for evidence without an actor.
    return f"""delete from current_signings where instrument_key = {instrument} and actor_id = {actor};
               insert or ignore into current_signings (instrument_key, actor_id)
               select s.instrument_key, s.actor_id from signatures s left join scope_kinds k on k.scope = s.scope
               where s.actor_id = {actor} and +s.instrument_key = {instrument}
               group by s.instrument_key, s.actor_id having {_CURRENT_RULE};"""


def _refresh_scope(scope: str) -> str:
    # Every signing with evidence in `scope` (its kind changed: its rows now count as list or as news).
    return f"""delete from current_signings where (instrument_key, actor_id) in
                   (select instrument_key, actor_id from signatures where scope = {scope});
               insert or ignore into current_signings (instrument_key, actor_id)
               select s.instrument_key, s.actor_id
               from (select distinct instrument_key, actor_id from signatures where scope = {scope}) p
               join signatures s on s.actor_id = p.actor_id and +s.instrument_key = p.instrument_key
               left join scope_kinds k on k.scope = s.scope
               group by s.instrument_key, s.actor_id having {_CURRENT_RULE};"""


# The split of instruments.issuer into the bodies it names, as the instrument_issuers view (m102)
# splits it ("European Commission; Covenant of Mayors - Europe" is two), for one instrument row.
def _issuer_names_of(row: str) -> str:
    return f"""insert or ignore into instrument_issuer_names (issuer_as_printed, instrument_key)
               select part, {row}.key from (
                 with recursive parts(part, rest) as (
                   select null, {row}.issuer || '; ' where {row}.issuer is not null
                   union all
                   select trim(substr(rest, 1, instr(rest, '; ') - 1)), substr(rest, instr(rest, '; ') + 2)
                   from parts where rest <> ''
                 )
                 select part from parts where part is not null and part <> '');"""


@migrations()
def m301_current_signings_and_issuer_names(db: Database):
    # network_overlap at 1,000,000 signatures spent its time applying the signings rule to every
    # evidence row of a network's instruments (30,000 rows for the Covenant's three) and splitting
    # every instrument's issuer to find which bodies issued them, at each call (docs/performance.md).
    # Both are now kept when a row is written, by triggers, so in the same transaction as the
    # signatures, scope kinds and instruments they summarise, whichever code writes them (the crawl,
    # the importer, the removal rule, a held list's release, a reviewer's merge, a hand edit):
    #  - current_signings: one row per signing the rule makes current (actor known);
    #  - instrument_issuer_names: each body an instrument names as its issuer, as printed.
    db.execute("""create table current_signings (instrument_key text not null, actor_id integer not null,
                  primary key (instrument_key, actor_id)) without rowid""")
    db.execute("""create table instrument_issuer_names (issuer_as_printed text not null, instrument_key text not null,
                  primary key (issuer_as_printed, instrument_key)) without rowid""")
    db.execute("create index idx_instrument_issuer_names_instrument_key on instrument_issuer_names (instrument_key)")
    # A list row written as current makes its signing current: one look at its scope's kind and one
    # insert, the whole cost on a list's first ingest. Any other written row has its signing made again.
    listed = """new.actor_id is not null and new.removed_at is null
                and coalesce((select kind from scope_kinds where scope = new.scope), 'roster') = 'roster'"""
    db.execute(f"""create trigger signatures_current_listed_ai after insert on signatures when {listed} begin
                       insert or ignore into current_signings (instrument_key, actor_id)
                       values (new.instrument_key, new.actor_id);
                   end""")
    db.execute(f"""create trigger signatures_current_other_ai after insert on signatures
                   when new.actor_id is not null and not ({listed}) begin
                       {_refresh_signing('new.instrument_key', 'new.actor_id')}
                   end""")
    # Removals, restorations, a reviewer's merge or split (actor_id), a row moved to another scope;
    # the ingest's refresh of last_seen_* names none of these columns, and an update that changes
    # none of them (a new date printed) does nothing.
    db.execute(f"""create trigger signatures_current_au after update of instrument_key, actor_id, scope, removed_at
                   on signatures
                   when old.instrument_key is not new.instrument_key or old.actor_id is not new.actor_id
                        or old.scope is not new.scope or old.removed_at is not new.removed_at begin
                       {_refresh_signing('old.instrument_key', 'old.actor_id')}
                       {_refresh_signing('new.instrument_key', 'new.actor_id')}
                   end""")
    db.execute(f"""create trigger signatures_current_ad after delete on signatures begin
                       {_refresh_signing('old.instrument_key', 'old.actor_id')}
                   end""")
    # A scope's kind decides whether its rows are list or news evidence. m100's trigger replaced the
    # scope's row at every scope run (a replace fires no update trigger): it now changes the row only
    # when the kind differs, so a change of kind is an update the triggers below see.
    db.execute("drop trigger if exists scope_runs_kind_ai")
    db.execute("""create trigger scope_runs_kind_ai after insert on scope_runs begin
                      insert into scope_kinds (scope, kind) values (new.scope, coalesce(new.kind, 'roster'))
                      on conflict (scope) do update set kind = excluded.kind where kind is not excluded.kind;
                  end""")
    # A scope without a row counts as a roster: a new row or a removed one matters only when not one.
    db.execute(f"""create trigger scope_kinds_current_ai after insert on scope_kinds
                   when coalesce(new.kind, 'roster') <> 'roster' begin
                       {_refresh_scope('new.scope')}
                   end""")
    db.execute(f"""create trigger scope_kinds_current_au after update on scope_kinds
                   when old.kind is not new.kind or old.scope is not new.scope begin
                       {_refresh_scope('old.scope')}
                       {_refresh_scope('new.scope')}
                   end""")
    db.execute(f"""create trigger scope_kinds_current_ad after delete on scope_kinds
                   when coalesce(old.kind, 'roster') <> 'roster' begin
                       {_refresh_scope('old.scope')}
                   end""")
    db.execute(f"""create trigger instruments_issuer_names_ai after insert on instruments begin
                       {_issuer_names_of('new')}
                   end""")
    # An instrument whose other fields changed keeps its issuers: nothing to do (the ingest's update
    # of a row names every column).
    db.execute(f"""create trigger instruments_issuer_names_au after update of key, issuer on instruments
                   when old.key is not new.key or old.issuer is not new.issuer begin
                       delete from instrument_issuer_names where instrument_key = old.key;
                       {_issuer_names_of('new')}
                   end""")
    db.execute("""create trigger instruments_issuer_names_ad after delete on instruments begin
                      delete from instrument_issuer_names where instrument_key = old.key;
                  end""")
    # The store as it stands (about 5 s at 1,000,000 signatures).
    db.execute(f"""insert into current_signings (instrument_key, actor_id)
                   select s.instrument_key, s.actor_id from signatures s left join scope_kinds k on k.scope = s.scope
                   where s.actor_id is not null
                   group by s.instrument_key, s.actor_id having {_CURRENT_RULE}""")
    db.execute("""insert or ignore into instrument_issuer_names (issuer_as_printed, instrument_key)
                  select issuer_as_printed, instrument_key from instrument_issuers""")

def _recount_memberships(network: str, actor: str) -> str:
    # An actor's current memberships under one printed network name, counted again (one look in
    # m095's covering index); a row with nothing left to hold is deleted.
    return f"""insert into network_members (network, actor_id, memberships)
               select {network}, {actor}, (select count(*) from memberships
                                           where network = {network} and removed_at is null and actor_id = {actor})
               where {network} is not null and {actor} is not null
               on conflict (network, actor_id) do update set memberships = excluded.memberships;
               delete from network_members where network = {network} and actor_id = {actor}
                                             and memberships = 0 and instruments = 0;"""


def _signings_under(names: str, actor: str, step: int) -> str:
    # An actor's count of current signings under each printed issuer name in `names`, moved by `step`.
    if step > 0:
        return f"""insert into network_members (network, actor_id, instruments)
                   select name, {actor}, 1 from ({names}) where name is not null and {actor} is not null
                   on conflict (network, actor_id) do update set instruments = instruments + 1;"""
    return f"""update network_members set instruments = instruments - 1
               where actor_id = {actor} and network in ({names});
               delete from network_members where actor_id = {actor} and network in ({names})
                                             and memberships = 0 and instruments = 0;"""


def _signers_under(name: str, instrument: str, step: int) -> str:
    # The same for every current signatory of one instrument, under one issuer name.
    signers = f"select actor_id from current_signings where instrument_key = {instrument}"
    if step > 0:
        return f"""insert into network_members (network, actor_id, instruments)
                   select {name}, actor_id, 1 from ({signers}) where true
                   on conflict (network, actor_id) do update set instruments = instruments + 1;"""
    return f"""update network_members set instruments = instruments - 1
               where network = {name} and actor_id in ({signers});
               delete from network_members where network = {name} and actor_id in ({signers})
                                             and memberships = 0 and instruments = 0;"""


@migrations()
def m302_network_members(db: Database):
    # network_overlap with m301's tables still grouped every current signing of a network's
    # instruments by actor (42,000 rows for the Covenant's list and its three commitments at
    # 1,000,000 signatures). network_members holds, per name a source prints for a network (a
    # memberships.network, an issuer as printed) and per actor, how many current memberships and how
    # many current signings of instruments naming that issuer it has: a network's side is one row per
    # actor, already counted. Triggers keep it from memberships (counted again for the one pair a
    # write touches), current_signings and instrument_issuer_names (moved by one), so it follows every
    # write to the rows those follow, in the same transaction.
    db.execute("""create table network_members (network text not null, actor_id integer not null,
                  memberships integer not null default 0, instruments integer not null default 0,
                  primary key (network, actor_id)) without rowid""")
    db.execute("""insert into network_members (network, actor_id, memberships, instruments)
                  select network, actor_id, sum(member), sum(signed) from (
                    select network, actor_id, 1 as member, 0 as signed from memberships
                    where removed_at is null and actor_id is not null and network is not null
                    union all
                    select n.issuer_as_printed, c.actor_id, 0, 1 from instrument_issuer_names n
                    join current_signings c on c.instrument_key = n.instrument_key
                  ) group by network, actor_id""")
    db.execute(f"""create trigger memberships_members_ai after insert on memberships begin
                       {_recount_memberships('new.network', 'new.actor_id')}
                   end""")
    db.execute(f"""create trigger memberships_members_au after update of network, actor_id, removed_at on memberships
                   when old.network is not new.network or old.actor_id is not new.actor_id
                        or old.removed_at is not new.removed_at begin
                       {_recount_memberships('old.network', 'old.actor_id')}
                       {_recount_memberships('new.network', 'new.actor_id')}
                   end""")
    db.execute(f"""create trigger memberships_members_ad after delete on memberships begin
                       {_recount_memberships('old.network', 'old.actor_id')}
                   end""")
    names = "select issuer_as_printed as name from instrument_issuer_names where instrument_key = {}"
    db.execute(f"""create trigger current_signings_members_ai after insert on current_signings begin
                       {_signings_under(names.format('new.instrument_key'), 'new.actor_id', +1)}
                   end""")
    db.execute(f"""create trigger current_signings_members_au after update on current_signings begin
                       {_signings_under(names.format('old.instrument_key'), 'old.actor_id', -1)}
                       {_signings_under(names.format('new.instrument_key'), 'new.actor_id', +1)}
                   end""")
    db.execute(f"""create trigger current_signings_members_ad after delete on current_signings begin
                       {_signings_under(names.format('old.instrument_key'), 'old.actor_id', -1)}
                   end""")
    db.execute(f"""create trigger instrument_issuer_names_members_ai after insert on instrument_issuer_names begin
                       {_signers_under('new.issuer_as_printed', 'new.instrument_key', +1)}
                   end""")
    db.execute(f"""create trigger instrument_issuer_names_members_au after update on instrument_issuer_names begin
                       {_signers_under('old.issuer_as_printed', 'old.instrument_key', -1)}
                       {_signers_under('new.issuer_as_printed', 'new.instrument_key', +1)}
                   end""")
    db.execute(f"""create trigger instrument_issuer_names_members_ad after delete on instrument_issuer_names begin
                       {_signers_under('old.issuer_as_printed', 'old.instrument_key', -1)}
                   end""")


@migrations()
def m310_review_offer_at_read(db: Database):
    # Issue 24: the reviewer's candidates for a name of nothing the resolver met (the towns around
    # the source's point, or spelled like it: places.resolver.offer) cost ingest ~2 ms a name, and
    # a reviewer reads few of them. They are now computed when the review queue is read, from the
    # actor's name, country and the point the source gave, kept here (source_latitude/longitude:
    # not latitude/longitude, which are the place's point and stay null for a name left to review).
    # offer_at_read = 1 marks the actors whose offer is owed: their review_reason is the decision's
    # reason, a whole sentence ("no place of this name"), and `glocal actors review` adds the
    # offered clause ("; the towns around its point are offered") with the candidates.
    # review_candidates stays: it still holds, at no cost, the candidates the decision itself met
    # (namesakes too far from the point, an ambiguous name's places, the towns near the point
    # spelled like it), and null for an offer made at read. Rows from before this migration keep
    # their full reason and the candidates computed at their ingest with the source's point (no
    # longer known: it was never stored), so offer_at_read is 0 for them and they mean what they did.
    actors = db["actors"]
    actors.add_column("source_latitude", float)
    actors.add_column("source_longitude", float)
    actors.add_column("offer_at_read", int, not_null_default=0)

# --- outputs: what researchers filter (m350-m399) ----------------------------------------------------

@migrations()
def m350_signings_integer_flags(db: Database):
    # Datasette passes a filter's value as text (`?current=1` runs `current = '1'`), and the view's
    # flags and counts were bare expressions without a column affinity, so the filter a researcher
    # clicks matched no row. Cast, they are INTEGER columns and '1' compares as 1. The view's rules
    # stay those of m104: only these expressions are wrapped.
    (sql,) = db.execute("select sql from sqlite_master where type = 'view' and name = 'signings'").fetchone()
    body = re.match(r"\s*create\s+view\s+\S+\s+as\s(.*)", sql, re.I | re.S).group(1)
    for expression, name in (
            ("coalesce(d.on_list, 0)", "on_list"),
            ("case when d.on_list or (d.list_rows = 0 and d.news_current) then 1 else 0 end", "current"),
            ("d.network_member", "network_member"),
            ("d.evidence_rows", "evidence_rows")):
        found = f"{expression} as {name}" if f"{expression} as {name}" in body else expression
        if body.count(found) != 1:
            raise RuntimeError(f"m350: the signings view no longer selects {expression} as {name}")
        body = body.replace(found, f"cast({expression} as integer) as {name}")
    db.execute("drop view signings")
    db.execute(f"create view signings as {body}")
