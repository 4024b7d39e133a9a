"""One crawl of a spider at a time per store: a lock row per spider, taken before the run starts.

Two crawls of one spider on one store would each mark the other's run aborted and report its
changes, so the second is refused. A lock names its holder by host, process id and the process's
start time; a holder that no longer runs (killed, crashed, power loss) releases it implicitly: the
next crawl finds the process gone and takes the lock over. A lock held from another host cannot be
checked from here and stands until that host's crawl releases it (or someone deletes the row).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from sqlite_utils import Database

from store.errors import StoreError


class CrawlLocked(StoreError):
    """Another live process is crawling this spider into this store."""


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    started: str  # the process's start time as the kernel counts it ("" when unknown)

    @classmethod
    def me(cls) -> "Holder":
        return cls(socket.gethostname(), os.getpid(), process_start(os.getpid()))

    def alive(self) -> bool:
        """Whether the holder still runs (always True for another host: we cannot tell)."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # a process of another user: it exists
        # A reused pid belongs to a younger process: compare start times where the kernel tells.
        return not self.started or process_start(self.pid) == self.started


def process_start(pid: int) -> str:
    """The start time of process `pid` in clock ticks since boot (Linux), or "" elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return fields[19]  # field 22 of stat(5), counted after the ")" that ends the command name
    except (OSError, IndexError):
        return ""


def acquire(db: Database, spider: str, *, now: str, holder: Holder | None = None) -> Holder:
    """Take the crawl lock of `spider`, or raise CrawlLocked naming the live holder."""
    holder = holder or Holder.me()
    db.conn.execute("begin immediate")  # no other process may read-then-write the lock meanwhile
    try:
        row = db.conn.execute(
            "select host, pid, process_started, acquired_at from crawl_locks where spider = ?", (spider,)
        ).fetchone()
        if row is not None:
            current = Holder(row[0], row[1], row[2] or "")
            if current != holder and current.alive():
                raise CrawlLocked(
                    f"{spider} is already being crawled into this store by process {current.pid} on "
                    f"{current.host} (since {row[3]}); wait for it to finish, or stop it")
        db.conn.execute(
            """insert or replace into crawl_locks (spider, host, pid, process_started, acquired_at)
               values (?, ?, ?, ?, ?)""",
            (spider, holder.host, holder.pid, holder.started, now),
        )
        db.conn.execute("commit")
    except BaseException:
        db.conn.execute("rollback")
        raise
    return holder


def release(db: Database, spider: str, holder: Holder | None = None) -> None:
    """Give the lock back (only if `holder` still has it)."""
    holder = holder or Holder.me()
    with db.atomic():
        db.conn.execute("delete from crawl_locks where spider = ? and host = ? and pid = ?",
                        (spider, holder.host, holder.pid))
