"""The Covenant through the real pipeline: replayed listing pages, the importer, one store.

- A signatory added, one changing status, and the last listing page failing: the addition and
  the update are recorded, nothing is removed (the run was incomplete), even with K=1.
- An import of the JRC file, then a crawl of overlapping authorities: one actor and one
  signature each, signed_on from the dataset, first_seen_at from whichever saw it first.
"""

import json

import pytest

from operations.covenant_import import import_file
from spiders.parsers import covenant as com
from tests.helpers import FIXTURES, archive_of, query, replay_like_cli, saved_pages

SPIDER = "covenant_signatories"
JSON_PAGES = ["signatories-api-0.json", "signatories-api-1.json", "signatories-api-2.json"]
HTML_PAGES = ["signatories-page-0.html", "signatories-page-1.html", "signatories-page-2.html"]
JSON_URL = "https://eu-mayors.ec.europa.eu/en/api/signatories?page={page}"
USE_JSON = f"COVENANT_SIGNATORIES_JSON_URL={json.dumps(JSON_URL)}"
NEW = {"id": 30001, "name": "Kolding", "country": "Denmark", "population": 93619, "adhesion_date": "2026-11-03",
       "status": "Signatory", "commitments": ["Mitigation", "Adaptation"]}


def edit_json(change):
    def edit(body: bytes) -> bytes:
        payload = json.loads(body)
        change(payload)
        return json.dumps(payload, ensure_ascii=False).encode()
    return edit


def add_kolding(payload):
    payload["data"].insert(0, NEW)
    payload["total"] += 1


def status_of(name, status):
    def change(payload):
        row = next(r for r in payload["data"] if r["name"] == name)
        assert row["status"] != status
        row["status"] = status
    return change


def crawl(folder, name, pages, db, *settings):
    # The listing page is the spider's declared start URL; the JSON pages are what it reads.
    archive = archive_of(folder / f"{name}.warc.gz",
                         pages + saved_pages(SPIDER, ["signatories-page-0.html"], day=pages[0].fetched_at[:10]))
    return replay_like_cli(SPIDER, archive, db, *settings)


@pytest.fixture(scope="module")
def failed_last_page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("covenant")
    db = folder / "glocal.db"
    first_on_page_1 = json.loads((FIXTURES / SPIDER / JSON_PAGES[1]).read_text(encoding="utf-8"))["data"][0]
    name = first_on_page_1["name"]
    new_status = "On hold" if first_on_page_1["status"] != "On hold" else "Signatory"
    results = {
        "baseline": crawl(folder, "baseline", saved_pages(SPIDER, JSON_PAGES, day="2026-11-02"), db, USE_JSON),
        "changed": crawl(folder, "changed", saved_pages(
            SPIDER, JSON_PAGES, day="2026-11-09",
            edits={JSON_PAGES[0]: edit_json(add_kolding), JSON_PAGES[1]: edit_json(status_of(name, new_status))},
            statuses={JSON_PAGES[2]: (500, b'{"message": "Internal Server Error"}')}),
            db, USE_JSON, "STORE_REMOVAL_RUNS=1"),
    }
    return {"db": db, "results": results, "name": name, "status": new_status, "folder": folder}


def test_baseline_records_every_signatory_quietly(failed_last_page):
    db = failed_last_page["db"]
    assert failed_last_page["results"]["baseline"].returncode == 0, failed_last_page["results"]["baseline"].stderr
    assert query(db, "select count(*) n from signatures where first_run_id = 1")[0]["n"] == 115
    assert query(db, "select count(*) n from changes where run_id = 1 and entity = 'signature'")[0]["n"] == 115
    assert query(db, "select count(*) n from changes where run_id = 1 and notify = 1")[0]["n"] == 0


def test_failed_last_page_still_records_the_addition(failed_last_page):
    db = failed_last_page["db"]
    added = query(db, "select * from changes where run_id = 2 and change = 'added' and entity = 'signature'")
    assert [c["entity_key"] for c in added] == [com.signature_key("Kolding", "DK")]
    assert added[0]["notify"] == 1
    row = query(db, "select * from signatures where actor_name = 'Kolding'")[0]
    assert (row["signed_on"], row["country"], row["population"], row["source_id"]) == ("2026-11-03", "DK", 93619, "30001")


def test_failed_last_page_still_records_the_status_update_with_its_diff(failed_last_page):
    db, name = failed_last_page["db"], failed_last_page["name"]
    updated = query(db, "select * from changes where run_id = 2 and change = 'updated'")
    assert len(updated) == 1 and updated[0]["entity_key"].endswith(com.authority_key(name))
    diff = json.loads(updated[0]["diff"])
    assert list(diff) == ["status"] and diff["status"][1] == com.status(failed_last_page["status"])


def test_failed_last_page_removes_nothing(failed_last_page):
    db = failed_last_page["db"]
    assert query(db, "select count(*) n from changes where change = 'removed'")[0]["n"] == 0
    assert query(db, "select count(*) n from signatures where removed_at is null")[0]["n"] == 116


def test_failed_last_page_leaves_the_scope_incomplete_with_the_reason(failed_last_page):
    db = failed_last_page["db"]
    scope = query(db, "select * from scope_runs where run_id = 2 and scope = ?", (com.SIGNATURE_SCOPE,))[0]
    assert scope["complete"] == 0 and scope["healthy"] == 1
    assert "page 2" in scope["reason"] and "HTTP 500" in scope["reason"]
    assert scope["added"] == 1 and scope["updated"] == 1 and scope["removed"] == 0


def test_failed_last_page_makes_the_run_unhealthy(failed_last_page):
    result = failed_last_page["results"]["changed"]
    assert result.returncode == 1 and "UNHEALTHY" in result.stderr + result.stdout
    run = query(failed_last_page["db"], "select * from crawl_runs where id = 2")[0]
    assert run["healthy"] == 0 and "1 signature.added, 1 signature.updated" in run["summary"]


def test_complete_run_without_a_row_removes_it_with_k1(failed_last_page):
    """The control: the same store, every page answering and one authority gone, K=1."""
    db, folder = failed_last_page["db"], failed_last_page["folder"]

    def add_kolding_drop_one(payload):
        add_kolding(payload)
        payload["total"] -= 1  # one joined, one left: the site states the same total

    def drop_last(payload):
        payload["data"].pop()

    result = crawl(folder, "complete", saved_pages(
        SPIDER, JSON_PAGES, day="2026-11-16",
        edits={JSON_PAGES[0]: edit_json(add_kolding_drop_one), JSON_PAGES[2]: edit_json(drop_last)}),
        db, USE_JSON, "STORE_REMOVAL_RUNS=1")
    assert result.returncode == 0, result.stderr
    removed = query(db, "select * from changes where change = 'removed'")
    assert len(removed) == 1 and removed[0]["run_id"] == 3


# --- import, then crawl ---------------------------------------------------------------------------

def _day_after_now() -> str:
    """The day whose capture time (the fixtures' time of day) falls within the next 24 hours: after
    an import made now, and not in the future beyond the store's clock skew (issue 20)."""
    from datetime import datetime, timedelta, timezone

    time_of_day = saved_pages(SPIDER, JSON_PAGES[:1])[0].fetched_at[10:]
    now = datetime.now(timezone.utc)
    for day in (now.date(), (now + timedelta(days=1)).date()):
        moment = datetime.fromisoformat(f"{day}{time_of_day}".replace("Z", "+00:00"))
        if now + timedelta(minutes=2) < moment <= now + timedelta(hours=23, minutes=50):
            return day.isoformat()
    return (now + timedelta(days=1)).date().isoformat()


@pytest.mark.parametrize("crawl_day, first_seen", [("2025-06-01", "crawl"), ("after-now", "import")])
def test_import_then_crawl_is_one_actor_and_one_signature(tmp_path, crawl_day, first_seen):
    crawl_day = _day_after_now() if crawl_day == "after-now" else crawl_day
    db = tmp_path / "glocal.db"
    imported = import_file(db, FIXTURES / "covenant_open_data" / "df1_Signatories_2024.csv")
    import_time = query(db, "select fetched_at from pages")[0]["fetched_at"]
    result = crawl(tmp_path, "json", saved_pages(SPIDER, JSON_PAGES, day=crawl_day), db, USE_JSON)
    assert result.returncode == 0, result.stderr
    assert imported.signatures == 117
    # 115 authorities on the site, all of them in the file: no new signature, no new actor.
    assert query(db, "select count(*) n from signatures")[0]["n"] == 117
    assert query(db, "select count(*) n from actors")[0]["n"] == query(
        db, "select count(distinct actor_id) n from signatures")[0]["n"]
    per_authority = query(db, """select source_id, count(*) n, count(distinct actor_id) a from signatures
                                 group by source_id having n > 1 or a > 1""")
    assert per_authority == []
    ustka = query(db, "select * from signatures where source_id = '11547'")[0]
    assert ustka["signed_on"] == "2013-03-12"  # the dataset's date_of_adhesion
    crawled_at = f"{crawl_day}T09:12:00Z"  # Ustka is on the third JSON page
    assert ustka["first_seen_at"] == (crawled_at if first_seen == "crawl" else import_time)
    assert query(db, "select count(*) n from changes where change = 'updated' and diff like '%signed_on%'")[0]["n"] == 0
    # The spider's id for Ustka and the file's organisation_id are one actor ref.
    refs = query(db, "select actor_id from actor_refs where ref in ('covenant:11547', ?)",
                 (f"covenant-name:{com.signature_key('Ustka', 'PL')}",))
    assert len(refs) == 2 and len({r["actor_id"] for r in refs}) == 1 and refs[0]["actor_id"] == ustka["actor_id"]


def test_crawl_of_html_rows_without_ids_then_import_is_one_actor(tmp_path):
    db = tmp_path / "glocal.db"
    result = crawl(tmp_path, "html", saved_pages(SPIDER, HTML_PAGES, day="2026-10-01"), db)
    assert result.returncode == 0 or "signature items" in result.stdout + result.stderr
    before = {r["key"]: r for r in query(db, "select key, actor_id, first_seen_at from signatures")}
    import_file(db, FIXTURES / "covenant_open_data" / "df1_Signatories_2024.csv")
    after = {r["key"]: r for r in query(db, "select key, actor_id, first_seen_at, status, source_id from signatures")}
    assert len(before) == 25 and len(after) == 117
    for key, row in before.items():
        assert after[key]["actor_id"] == row["actor_id"] and after[key]["first_seen_at"] == row["first_seen_at"]
        assert after[key]["status"] and after[key]["source_id"]  # the file fills what the table never shows
    assert query(db, "select count(distinct actor_id) n from signatures")[0]["n"] == 117
