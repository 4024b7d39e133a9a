"""The command line against hostile stores and arguments (issue 20, items 13, 19, 20 and 23, and
the CLI's "also noticed"): scraped control characters never reach the terminal or a mail header
raw; a damaged, read-only or missing-the-point store and out-of-range numbers are one line each,
never a traceback; a read command never needs to write."""

from __future__ import annotations

import re
import sqlite3
import stat
import subprocess
from pathlib import Path

from tests.faults.trials import TrialResult, workdir
from tests.helpers import glocal

# Every character that can act on a terminal: C0 controls but the line break, DEL, C1 controls,
# and bidi embeddings, overrides and isolates.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE_CITY = "Amman\x1b[2J\x1b]0;owned\x07\x9b31m\u202egnp.exe\x7f"
ALERT_RULES = """
[[rules]]
name = "signings"
kinds = ["signature.added"]
channels = ["team"]
"""


def _team_only(smtp_port: int) -> str:
    """The usual email channel of the alerts tests (TEAM_AND_OPS without its Slack channel)."""
    from tests.alerts.support import TEAM_AND_OPS

    return TEAM_AND_OPS.format(port=smtp_port).split("[channels.ops]")[0]


def _one_line(result: subprocess.CompletedProcess) -> bool:
    return result.returncode != 0 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def _poisoned_store(folder: Path, smtp_port: int) -> tuple[Path, Path]:
    """A store whose scraped names, titles and run summaries carry escapes, with alerts queued."""
    from alerts.rules import load_config
    from store import open_db
    from tests.alerts.support import baseline_then, rules_file
    from tests.cli.test_cli_io import crawl_once

    rules = rules_file(folder, _team_only(smtp_port) + ALERT_RULES)
    db = open_db(folder / "glocal.db")
    crawl_once(db, day=1, names=["Lima"])
    crawl_once(db, day=2, names=["Lima", HOSTILE_CITY])
    baseline_then(db, load_config(rules), [(HOSTILE_CITY, "JO")])
    db.close()
    return folder / "glocal.db", rules


def terminal_output_trial() -> TrialResult:
    """Every command that prints scraped text, on a store of hostile names: no raw control
    character in any output, and none in the Subject of the email actually sent."""
    from tests.alerts.support import SmtpServer
    from tests.cli.test_cli_io import INSTRUMENT

    result = TrialResult("scraped control characters (ESC, BEL, C1, U+202E) printed by a command or mailed")
    folder = workdir()
    with SmtpServer() as smtp:
        db, rules = _poisoned_store(folder, smtp.port)
        with sqlite3.connect(db) as probe:
            hostile_actor, = probe.execute("select id from actors where name like 'Amman%\x1b%'").fetchone()
            lima, = probe.execute("select id from actors where name = 'Lima'").fetchone()
        probe.close()
        commands = [
            ("signatories", INSTRUMENT), ("signatories", INSTRUMENT, "--json"), ("changes", "--with-baselines"),
            ("changes", "--json"), ("instruments",), ("spiders",), ("status",), ("status", "--json"),
            ("actors", "list"), ("actors", "review"), ("actors", "review", "--json"),
            ("alerts", "preview", "--config", rules), ("alerts", "send", "--dry-run", "--config", rules),
            ("alerts", "status"), ("export", "signatures", "--format", "json"),
            ("export", "actors", "--format", "jsonl"),  # data as stored, every character inert (\\u009b)
            ("actors", "merge", lima, hostile_actor),  # last: it prints the hostile name it kept
        ]
        for command in commands:
            output = glocal(*command, "--db", db)
            result.tracebacks += int("Traceback" in output.stderr)
            raw = RAW_CONTROL.findall(output.stdout + output.stderr)
            result.judge(output.returncode == 0 and not raw and bool(output.stdout.strip()),
                         f"{' '.join(map(str, command[:3]))}: exit {output.returncode}, raw {raw[:3]} "
                         f"{output.stderr[-200:]!r}")
        sent = glocal("alerts", "send", "--config", rules, "--db", db)
        subjects = [line for message in smtp.messages for line in message.content.decode("utf-8", "replace")
                    .splitlines() if line.startswith("Subject:")]
        result.judge(sent.returncode == 0 and bool(subjects) and "Amman" in " ".join(subjects)
                     and not any(RAW_CONTROL.search(subject) for subject in subjects),
                     f"email subjects {subjects!r}: {sent.stderr[-200:]!r}")
    return result


def _damaged_store() -> Path:
    """A store whose data tables' first pages are overwritten: it opens (its schema and migrations
    are intact) and fails the first query that reads one of them."""
    from store import open_db
    from tests.cli.test_cli_io import crawl_once

    path = workdir() / "glocal.db"
    db = open_db(path)
    crawl_once(db, day=1, names=["Lima", "Oslo"])
    db.close()
    with sqlite3.connect(path) as probe:
        size = probe.execute("pragma page_size").fetchone()[0]
        roots = [row[0] for row in probe.execute(
            "select rootpage from sqlite_master where type in ('table', 'index') and tbl_name in "
            "('crawl_runs', 'signatures', 'actors', 'deliveries', 'changes', 'instruments') and rootpage > 0")]
    probe.close()
    with open(path, "r+b") as file:
        for page in roots:
            file.seek((page - 1) * size)
            file.write(b"\xa5" * size)
    return path


def damaged_store_trial() -> TrialResult:
    """A corrupted page met by every kind of command: one line naming the file and
    `pragma integrity_check`, never a traceback."""
    result = TrialResult("a store with a corrupted page (spiders, status, crawl and the other store commands)")
    db = _damaged_store()
    commands = [("spiders",), ("status",), ("crawl", "c40_accelerators", "--replay", "tests/fixtures/sample.warc.gz"),
                ("signatories", "test/clean-air"), ("changes",), ("instruments",), ("actors", "list"),
                ("export", "signatures"), ("alerts", "status")]
    for command in commands:
        output = glocal(*command, "--db", db)
        result.tracebacks += int("Traceback" in output.stderr)
        result.judge(_one_line(output) and str(db) in output.stderr and "pragma integrity_check" in output.stderr,
                     f"{command[0]}: exit {output.returncode}, {output.stderr[-400:]!r}")
    return result


def read_only_store_trial() -> TrialResult:
    """`status`, `export`, `snapshot`, `serve` and the other read commands on a store file nobody
    here may write (root's override dropped, as tests/cli/test_readonly_store.py does): they
    answer, and the file is unchanged."""
    from store import open_db
    from tests.cli.test_cli_io import crawl_once
    from tests.cli.test_readonly_store import DROP_ROOT_OVERRIDES, as_unprivileged

    result = TrialResult("read commands on a store the user cannot write (status, export, snapshot, serve)")
    folder = workdir()
    db_path = folder / "store" / "glocal.db"
    db_path.parent.mkdir()
    db = open_db(db_path)
    crawl_once(db, day=1, names=["Lima", "Oslo"])
    db.close()
    before = db_path.read_bytes()
    db_path.chmod(0o444)
    db_path.parent.chmod(0o555)
    out = folder / "out"
    out.mkdir()
    try:
        commands = {
            "status": (("status", "--db", db_path), "c40_accelerators"),
            "export": (("export", "signatures", "--db", db_path), "Oslo"),
            "snapshot": (("snapshot", out, "--db", db_path), "wrote"),
            "actors list": (("actors", "list", "--db", db_path), "Lima"),
            "plot": (("plot", "test/clean-air", "-o", out / "chart.svg", "--db", db_path), "wrote"),
        }
        for name, (args, expected) in commands.items():
            output = as_unprivileged(*args)
            result.tracebacks += int("Traceback" in output.stderr)
            result.judge(output.returncode == 0 and expected in output.stdout, f"{name}: {output.stderr[-300:]!r}")
        wrapper = DROP_ROOT_OVERRIDES if _is_root() else []
        server = subprocess.Popen([*wrapper, str(Path(_glocal())), "serve", "--port", "0", "--db", str(db_path)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = server.stdout.readline()
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=30)
        result.tracebacks += int("Traceback" in errors)
        result.judge("read-only at http://127.0.0.1:" in line, f"serve: {line!r} {errors[-300:]!r}")
        result.lost += int(db_path.read_bytes() != before)
        result.judge(sorted(p.name for p in db_path.parent.iterdir()) == ["glocal.db"], "files appeared beside the store")
    finally:
        for item in (db_path.parent, db_path):
            item.chmod(item.stat().st_mode | stat.S_IWUSR)
    return result


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


def _glocal() -> str:
    import sys

    return str(Path(sys.executable).parent / "glocal")


def crawl_timeout_trial() -> TrialResult:
    """`--timeout` of 0, a negative number, nan or inf (crawl, backfill, check) is refused in one
    line before anything starts, as SCHEDULER_CRAWL_TIMEOUT=0 is at load."""
    result = TrialResult("a crawl time limit or wait of 0, -1, nan or inf (crawl, backfill, check --timeout; "
                         "alerts send, scrapyd crawl --wait)")
    folder = workdir()
    for value in ("0", "-1", "nan", "inf"):
        for command in (("crawl", "c40_accelerators", "--replay", "tests/fixtures/sample.warc.gz", "--db", folder / "c.db"),
                        ("backfill", "c40_accelerators", "--db", folder / "b.db"),
                        ("check", "c40_accelerators", "--replay", "tests/fixtures/sample.warc.gz",
                         "--scratch", folder / f"check-{value}")):
            # Never the real archive, should the limit be taken: a closed port on 127.0.0.1.
            output = glocal(*command, "--timeout", value, env={"GLOCAL_BACKFILL_CDX_URL": "http://127.0.0.1:9/cdx"})
            result.tracebacks += int("Traceback" in output.stderr)
            result.judge(_one_line(output) and "--timeout" in output.stderr,
                         f"{command[0]} --timeout {value}: exit {output.returncode} {output.stderr[-300:]!r}")
    # The same class in the other waits a person gives: nan waited forever, -1 was taken as "wait".
    open_db_path = folder / "outbox.db"
    from store import open_db

    open_db(open_db_path).close()
    for value in ("nan", "-1", "inf"):
        for command in (("alerts", "send", "--db", open_db_path, "--wait", value),
                        ("scrapyd", "crawl", "http://127.0.0.1:9", "c40_accelerators", "--wait", value)):
            output = glocal(*command, env={"GLOCAL_ALERTS": ""})
            result.tracebacks += int("Traceback" in output.stderr)
            result.judge(_one_line(output) and "--wait" in output.stderr,
                         f"{' '.join(map(str, command[:2]))} --wait {value}: exit {output.returncode} {output.stderr[-300:]!r}")
    result.judge(not (folder / "c.db").exists() and not (folder / "b.db").exists(), "a store was created anyway")
    return result


def huge_id_trial() -> TrialResult:
    """An id SQLite cannot hold (2^63) or that names no row (0) in `actors merge/split`,
    `show-page` and `changes confirm`: one line each."""
    from store import open_db
    from tests.cli.test_cli_io import crawl_once

    result = TrialResult("an id of 2^63, 2^64+5 or 0 (actors merge/split, show-page, changes confirm); serve --port 99999")
    db_path = workdir() / "glocal.db"
    db = open_db(db_path)
    crawl_once(db, day=1, names=["Lima", "Oslo"])
    db.close()
    for number in (str(2**63), str(2**64 + 5), "0"):
        for command in (("actors", "merge", number, "1"), ("actors", "merge", "1", number),
                        ("actors", "split", number, "Lima"), ("show-page", number), ("changes", "confirm", number)):
            output = glocal(*command, "--db", db_path)
            result.tracebacks += int("Traceback" in output.stderr)
            result.judge(_one_line(output) and number in output.stderr, f"{' '.join(command)}: {output.stderr[-300:]!r}")
    for port in ("99999", "-1", "70000"):  # the same class: a number the OS cannot take (bind() raised OverflowError)
        output = glocal("serve", "--port", port, "--db", db_path)
        result.tracebacks += int("Traceback" in output.stderr)
        result.judge(output.returncode != 0 and "Traceback" not in output.stderr and port in output.stderr
                     and "--port" in output.stderr, f"serve --port {port}: {output.stderr[-300:]!r}")
    return result


def send_backlog_trial() -> TrialResult:
    """A plain `alerts send` with a backlog above ALERTS_SEND_BATCH says how many alerts remain."""
    from alerts.rules import load_config
    from store import open_db
    from tests.alerts.support import SmtpServer, baseline_then, rules_file

    result = TrialResult("`alerts send` stopping at its batch limit without saying what remains")
    folder = workdir()
    with SmtpServer() as smtp:
        rules = rules_file(folder, _team_only(smtp.port) + ALERT_RULES)
        db = open_db(folder / "glocal.db")
        baseline_then(db, load_config(rules), [("Lima", "PE"), ("Oslo", "NO"), ("Quito", "EC"), ("Accra", "GH")])
        db.close()
        first, second = (_send_in_process(rules, folder / "glocal.db", batch=3) for _ in range(2))
    result.tracebacks += int(first.exception is not None or second.exception is not None)
    result.lost += int(len(smtp.messages) != 4)
    result.judge("3 messages sent" in first.output and "1 alerts still due" in first.output, f"first: {first.output!r}")
    result.judge("1 messages sent" in second.output and "still due" not in second.output, f"second: {second.output!r}")
    return result


def _send_in_process(rules: Path, db: Path, *, batch: int):
    """`glocal alerts send` with ALERTS_SEND_BATCH set to `batch` (a setting no variable reaches)."""
    from click.testing import CliRunner

    import cli.alerts
    from cli.main import cli as glocal_cli
    from crawler.spider_registry import ProjectSettings, settings

    project = ProjectSettings({**settings()._values, "ALERTS_SEND_BATCH": batch})
    original, cli.alerts.project_settings = cli.alerts.project_settings, lambda: project
    try:
        return CliRunner().invoke(glocal_cli, ["alerts", "send", "--config", str(rules), "--db", str(db)])
    finally:
        cli.alerts.project_settings = original


TRIALS = {
    "terminal_output": terminal_output_trial,
    "damaged_store": damaged_store_trial,
    "read_only_store": read_only_store_trial,
    "crawl_timeout": crawl_timeout_trial,
    "huge_id": huge_id_trial,
    "send_backlog": send_backlog_trial,
}
