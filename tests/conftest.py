import os
import sys
import warnings

# The suite caches compiled bytecode even where the shell sets PYTHONDONTWRITEBYTECODE: it starts
# dozens of `glocal` child processes (crawls, the scheduler, Scrapyd), and without .pyc files each one
# recompiles the project's modules before doing anything (about a minute of the suite's CPU on a
# fresh checkout). __pycache__/ is ignored by git.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def _temporary_files_in_memory() -> None:
    """Put the suite's temporary files (tmp_path, the fault trials' folders, and those of every child
    process, which inherit TMPDIR) on /dev/shm, a RAM-backed tmpfs, unless TMPDIR is already set.
    The suite makes hundreds of SQLite stores and crawls into them, and each new store file is
    synced to disk three times (the copied schema, WAL mode, the checkpoint at close): 57 ms of wall
    a store on this machine's disk against 17 ms on tmpfs, for the same CPU. Durability is not
    what these tests check (a full disk is a capped page count, store.cap_size). Set TMPDIR to
    keep them on disk."""
    shm = "/dev/shm"
    if "TMPDIR" in os.environ or not (os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK)):
        return
    os.environ["TMPDIR"] = shm
    import tempfile

    tempfile.tempdir = None  # gettempdir() caches its answer: ask it again with TMPDIR set


_temporary_files_in_memory()

import pytest
from sqlite_utils import Database

from store import open_db

# the fault matrix of a run (`pytest -m faults --fault-matrix FILE`): rows recorded where trials are judged
pytest_plugins = ["tests.faults.recording"]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Under xdist, build the gazetteer's cache (~/.cache/glocal-watch) here, once, before the
    workers start: each would otherwise build the same file at its first lookup on a fresh machine
    (the build is atomic, so they would not break, only pay it four times)."""
    config = session.config
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None) or config.option.collectonly:
        return
    from places import gazetteer

    gazetteer.default().lookup("Paris")


@pytest.fixture(scope="session")
def migrated_template():
    """One in-memory store with every migration applied, built once per worker: migrating costs
    about 0.1 s of CPU, copying it a millisecond (tests/store/ tests the migrations themselves)."""
    database = open_db(memory=True)
    yield database
    database.close()


@pytest.fixture
def db(migrated_template):
    """A fresh in-memory store with every migration applied (a copy of the migrated template)."""
    database = Database(memory=True)
    migrated_template.conn.backup(database.conn)
    database.execute("PRAGMA busy_timeout = 10000")  # as open_db sets it on each connection
    yield database
    database.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "glocal.db"


@pytest.fixture
def read_db():
    opened = []

    def _open(path) -> Database:
        database = Database(path)
        opened.append(database)
        return database

    yield _open
    for database in opened:
        database.close()


# --- heavier forms: `slow` --------------------------------------------------------------------------
# The default run (`pytest -q`) leaves these out (addopts: -m 'not browser and not slow'); `.ci/run`
# runs them as its second command, with the browser tests (README). Each is a heavier form of what
# the default run checks more cheaply, or the second and later real-process runs of a command whose
# first stays in the default run (tests/cli/test_main.py keeps one end-to-end `glocal crawl`). CPU
# seconds from one profiled run of the whole suite (docs/testing.md). Listed here, not marked in
# their files, so that files others edit keep their bodies; a renamed test drops out of this list
# and runs by default, the safe way round. A name without "[...]" marks every parameter of the test.
SLOW = {
    # two fresh gazetteers built from the data sets side by side by a first lookup, under two string
    # hashings, digested table by table (about 55 s of CPU); every other test reads the built cache
    "tests/places/test_build.py::test_builds_under_two_string_hashings_hold_the_tables_the_first_build_made",
    "tests/places/test_build.py::test_the_cache_is_built_once_and_lookups_are_cheap",
    # `glocal backfill` end to end in child processes (20 s): the backfilled module fixture's tests
    "tests/operations/test_backfill.py::test_the_backfill_crawls_each_archived_moment_once",
    "tests/operations/test_backfill.py::test_first_seen_is_the_capture_date",
    "tests/operations/test_backfill.py::test_the_addition_is_dated_at_the_second_capture",
    "tests/operations/test_backfill.py::test_one_healthy_miss_is_not_a_removal",
    "tests/operations/test_backfill.py::test_backfilled_runs_never_alert",
    "tests/operations/test_backfill.py::test_as_of_between_captures",
    "tests/operations/test_backfill.py::test_captures_are_kept_in_our_archive_with_their_capture_time",
    "tests/operations/test_backfill.py::test_each_capture_is_fetched_once",
    "tests/operations/test_backfill.py::test_a_second_backfill_changes_nothing_and_asks_for_nothing",
    "tests/operations/test_backfill.py::test_the_cdx_query_asks_for_distinct_successful_captures",
    "tests/operations/test_backfill.py::test_a_capture_the_archive_redirects_is_not_used_and_not_retried",
    # signatories_as_of against its replaced SQL on the README's sample store at every capture,
    # day and printed date (16 s, the default run's slowest test); the default keeps the 20 random
    # histories, which hold every case the rewrite distinguishes, and the first rewrite's comparison
    # on the same store (test_as_of_rewrite.py)
    "tests/research/test_as_of_standing_rows.py::test_the_sample_store_answers_as_before",
    # `glocal check` in child processes (20 s); the archive without the start URL stays
    "tests/operations/test_live_check.py::test_a_redesigned_page_makes_the_spider_blind",
    "tests/operations/test_live_check.py::test_the_reason_describes_the_missing_landmark_in_words",
    "tests/operations/test_live_check.py::test_a_challenge_page_is_called_blocking_with_its_headers",
    "tests/operations/test_live_check.py::test_nothing_reaches_the_real_store",
    "tests/operations/test_live_check.py::test_the_intact_sample_passes",
    "tests/operations/test_live_check.py::test_the_responses_are_archived_in_the_scratch_folder",
    "tests/operations/test_live_check.py::test_a_used_scratch_folder_is_refused",
    # a scaffolded spider's generated test and first replay in child processes (12 s)
    "tests/operations/test_new_spider.py::test_the_generated_test_fails_until_filled_in_then_passes",
    "tests/operations/test_new_spider.py::test_a_scaffolded_spider_crawls_healthy_on_its_first_replay",
    # a generated fixture test run by pytest in a child, the second of two (2.5 s)
    "tests/operations/test_add_fixture.py::test_the_generated_test_fails_when_the_parser_changes_its_mind",
    # `glocal crawl` of the open-data file in a child (6 s); the importer's in-process tests stay
    "tests/operations/test_covenant_import_paths.py::test_glocal_crawl_replay_takes_the_url_from_its_setting",
    # real crawls killed, or filling a capped disk, in child processes (17 s); test_kill.py and the
    # other capped-disk cases stay
    "tests/store/test_store_failures.py::test_a_second_crawl_of_the_same_spider_is_refused_and_a_killed_one_releases_it",
    "tests/store/test_store_failures.py::test_a_full_disk_in_a_later_run_is_never_one_of_the_misses_that_remove",
    "tests/store/test_store_failures.py::test_a_full_disk_fails_the_baseline_and_the_next_run_converges_quietly[70]",
    # a second kill point of a crawl child (3.5 s of CPU, 11 s of waiting); the kill after two lists stays
    "tests/crawler/test_kill.py::test_killed_crawl_leaves_a_consistent_store_that_converges[5]",
    # SIGTERM to the scheduler with a crawl running (5 s); the hung crawl killed stays
    "tests/scheduler/test_main.py::test_sigterm_stops_a_running_crawl_cleanly",
    # `scrapy check` failing (3 s); `scrapy check` passing stays
    "tests/spiders/test_contracts.py::test_scrapy_check_fails_when_a_page_no_longer_holds_what_its_contract_says",
    # sizes: 200,000 rows, a huge roster page, a huge CDX answer, deep pages, a 10,000-change backlog (22 s)
    "tests/spiders/test_covenant_open_data.py::test_a_large_file_is_read_row_by_row_in_small_chunks",
    "tests/spiders/test_roster_reader.py::test_a_huge_page_is_read_with_one_lookup_per_distinct_label",
    "tests/operations/test_wayback.py::test_a_huge_answer_is_read_row_by_row_in_bounded_memory",
    "tests/kit/test_page_limits.py::test_extraction_costs_the_same_at_any_accepted_depth",
    "tests/kit/test_page_limits.py::test_extraction_grows_linearly_with_the_page",
    "tests/alerts/test_digest.py::test_a_10000_change_backlog_drains_in_bounded_steps",
    # every one of the sample's 362 actors' portfolios (6 s of CPU: 16 ms a portfolio); the 55 actors
    # one instrument lists twice (two sources), the portfolios that could double, stay
    "tests/research/test_sample_signings.py::test_no_actor_twice_in_the_portfolio_of_every_actor",
    # maps of edge cases (9 s); the map of the store's signatories stays
    "tests/research/test_plots.py::test_map_of_one_signatory_and_of_none",
    "tests/research/test_plots.py::test_map_of_signatories_without_coordinates_says_so",
    # a Scrapyd node started and a job run on it (15 s); the egg's and an unreachable node's tests stay
    "tests/operations/test_scrapyd.py::test_a_scrapyd_job_stores_what_a_local_crawl_stores",
    # a replayed off-site redirect in a child crawl (5 s); the live one, in process, stays
    "tests/crawler/test_unseen_scopes.py::test_a_replayed_off_site_redirect_is_named_too",
    # the fault suite's short form: its child-process trials (the full form, -m faults, runs them all)
    "tests/faults/test_cli_faults.py::test_a_command_line_fault_class_is_one_line_and_harmless[terminal_output]",
    "tests/faults/test_cli_faults.py::test_a_command_line_fault_class_is_one_line_and_harmless[read_only_store]",
    "tests/faults/test_cli_faults.py::test_a_command_line_fault_class_is_one_line_and_harmless[damaged_store]",
    "tests/faults/test_cli_faults.py::test_a_command_line_fault_class_is_one_line_and_harmless[huge_id]",
    "tests/faults/test_clock_faults.py::test_a_clock_fault_class_leaves_later_crawls_healthy",
    "tests/faults/test_site_faults.py::test_a_faulty_site_run_is_judged_right_and_the_store_converges[off-site redirect]",
    "tests/faults/test_cli_faults.py::test_a_command_line_fault_class_is_one_line_and_harmless[crawl_timeout]",
    "tests/faults/test_alert_faults.py::test_an_alert_fault_class_loses_nothing_leaks_nothing[secret echo]",
    "tests/faults/test_security.py::test_secrets_in_the_environment_never_leak",
    "tests/faults/test_security.py::test_links_to_private_addresses_and_other_hosts_are_never_requested",
    # SIGTERM to `glocal backfill` and its crawl child (about 3 s of CPU, 5 s of waiting): the stop path
    # `glocal crawl`'s SIGTERM trial (default run) takes, reached through another command
    "tests/faults/test_signal_faults.py::test_a_stopped_backfill_closes_its_run_and_leaves_no_orphan",
    # signatories_as_of against its first replaced SQL on the benchmark's synthetic store, the biggest
    # (6,650 signatures; 2.4 s of CPU); the same comparison on the research store and the README's
    # sample store stays, and test_as_of_standing_rows.py's random histories hold every case
    "tests/research/test_as_of_rewrite.py::test_signatories_as_of_answers_as_before[bench]",
    # three real crawl children side by side, one hung until its timeout, one that cannot build
    # (about 5 s of child CPU); crawl_each's order and isolation with fake crawls (test_pool.py), a
    # hung crawl child killed at its timeout (tests/scheduler/test_main.py) and a spider that cannot
    # build isolated in a batch replay (test_pool.py) stay
    "tests/crawler/test_pool.py::test_a_hung_and_a_crashing_spider_are_killed_alone_while_the_other_finishes_healthy",
    # the short form's last site-fault trial: two live crawl children and two in-process crawls for its
    # baseline and reference (about 7 s of CPU); UTF-8 bytes beating their label stays, in process
    # (tests/crawler/test_charset.py), and the full form (-m faults) runs every site fault
    "tests/faults/test_site_faults.py::test_a_faulty_site_run_is_judged_right_and_the_store_converges[UTF-8 labelled iso-8859-1 in the header]",
    # `glocal import covenant` in a child, to check the benchmark reads that child's own peak memory
    # (1.5 s of child CPU); the benchmarks' other wiring stays
    "tests/test_bench.py::test_the_importers_peak_is_that_of_its_own_process",
}


# The files that take longest, longest first, from one profiled run of each command (wall seconds
# of their tests on two idle cores, 2026-12-07: the slow group's first, then the default run's).
# The workers take whole files (--dist loadfile) from a queue in collection order
# (--no-loadscope-reorder in pyproject.toml: xdist's own reordering, by number of tests, put the
# slow group's two costliest files, two tests each, last, and one worker ran them alone for the
# last 35 s). Longest first leaves the short files to even out the end. A file missing here only
# keeps its place; a name that no longer exists orders nothing.
LONGEST_FIRST = (
    "tests/places/test_build.py",  # 60 s: two fresh gazetteer builds side by side
    "tests/research/test_browser.py",  # 50 s
    "tests/research/test_sample_store.py",  # 48 s
    "tests/faults/test_cli_faults.py",  # 35 s
    "tests/faults/test_clock_faults.py",  # 28 s
    "tests/operations/test_live_check.py",  # 20 s
    "tests/operations/test_backfill.py",  # 20 s
    "tests/places/test_real_names.py",  # 17 s
    "tests/store/test_store_failures.py",  # 13 s
    "tests/operations/test_scrapyd.py",  # 12 s
    "tests/operations/test_new_spider.py",  # 12 s
    "tests/research/test_as_of_standing_rows.py",  # 11 s
    "tests/faults/test_site_faults.py",  # 10 s
    "tests/crawler/test_pool.py",  # 9 s (the default run's from here)
    "tests/research/test_serve.py",  # 9 s
    "tests/faults/test_security.py",  # 9 s
    "tests/crawler/test_network.py",  # 7 s
    "tests/faults/test_signal_faults.py",  # 6 s
    "tests/cli/test_main.py",  # 5 s
    "tests/faults/test_fuzz.py",  # 5 s
    "tests/store/test_held_lists.py",  # 4 s
    "tests/scheduler/test_main.py",  # 4 s
    "tests/kit/test_source_kit.py",  # 4 s
)


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config, items):
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: the rest keep their order
    matched = set()
    for item in items:
        for name in (item.nodeid, item.nodeid.split("[", 1)[0]):
            if name in SLOW:
                item.add_marker(pytest.mark.slow)
                matched.add(name)
    if config.args == ["tests"] and not config.option.keyword and SLOW - matched:
        # the whole suite was collected and an entry names no test (renamed?): it now runs by default
        warnings.warn(pytest.PytestWarning(f"tests/conftest.py SLOW names no test: {', '.join(sorted(SLOW - matched))}"))
