"""Several crawls at once, each in its own child (crawler/child.py), never two of one site at once.

`glocal crawl --all` and `glocal check` crawl many spiders whose runs last a second or two on a
replay, while each child pays Scrapy's start-up: one after another, that start-up is most of the
wait. Here up to `workers` crawls run side by side, each still a child process of its own (Twisted's
reactor cannot be restarted, and a hung or crashing spider is killed alone, after its timeout,
without touching the others). A crawl starts only when none of its sites is being crawled (the
politeness the scheduler keeps too: HostLocks); the outcomes come back in the spiders' order, not
the order they finished in, so a command prints the same lines whatever the timing.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from urllib.parse import urlsplit

from crawler import child
from store import open_db


def default_workers(configured: int, *, replay: bool, cores: int | None = None) -> int:
    """How many crawls run at once when the command names no --workers: CRAWL_WORKERS, and for a
    replay no more than the cores this process may use. A replayed crawl waits on no network, only
    on the CPU (Scrapy's start-up, parsing, the store), so children beyond the cores only compete
    for it, and slow everything else on the machine (a test suite's timed windows among them)."""
    if not replay:
        return configured
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(configured, cores))


def spider_hosts(cls) -> frozenset[str]:
    """The sites a spider crawls ("www." dropped), so that two spiders of one site never run at once."""
    hosts = set(getattr(cls, "allowed_domains", None) or ())
    hosts |= {urlsplit(url).hostname or "" for url in getattr(cls, "start_urls", ())}
    return frozenset(host.removeprefix("www.") for host in hosts if host)


class HostLocks:
    """Which sites are being crawled now; a crawl waits until none of its sites is busy."""

    def __init__(self):
        self._busy: set[str] = set()
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def hold(self, hosts: frozenset[str]):
        with self._changed:
            while self._busy & hosts:
                self._changed.wait()
            self._busy |= hosts
        try:
            yield
        finally:
            self.release(hosts)

    def take_first_free(self, waiting: list, hosts_of: Callable) -> object | None:
        """Remove from `waiting` and return the first entry none of whose sites is busy, its sites
        now held (give them back with release); None when `waiting` is empty. Waits while every
        waiting entry has a busy site."""
        with self._changed:
            while waiting:
                for entry in waiting:
                    if not self._busy & hosts_of(entry):
                        waiting.remove(entry)
                        self._busy |= hosts_of(entry)
                        return entry
                self._changed.wait()
            return None

    def wake(self, waiting: list) -> None:
        """Empty `waiting` and wake those waiting in take_first_free (they get None)."""
        with self._changed:
            waiting.clear()
            self._changed.notify_all()

    def release(self, hosts: frozenset[str]) -> None:
        with self._changed:
            self._busy -= hosts
            self._changed.notify_all()

    def busy(self) -> set[str]:
        with self._changed:
            return set(self._busy)


def crawl_each(spiders: dict[str, type], *, workers: int, crawl=None, **options) -> Iterator:
    """Crawl each spider once, up to `workers` at a time and never two of one site at once;
    yield each one's outcome in the order of `spiders` as soon as it and those before it are done.

    :param crawl: the function that runs one crawl (default: child.crawl_in_child; tests pass
        others); called as crawl(name, **options) on a thread of the pool
    An exception raised by a crawl (a rules file that cannot be read, a store that cannot be
    opened) is raised here at that spider's turn; no further crawl starts after it. Nor after a
    stop was asked (child.stopping()): the spiders not started then are left out.
    """
    crawl = crawl or child.crawl_in_child
    if options.get("db_path") and len(spiders) > 1:
        # A new store is made (its migrations applied) once, here, not by crawls opening it side by side.
        open_db(options["db_path"]).close()
    locks = HostLocks()
    hosts = {name: spider_hosts(cls) for name, cls in spiders.items()}
    waiting = list(spiders)
    futures: dict[str, Future] = {name: Future() for name in spiders}
    halted = threading.Event()  # a crawl raised, or the caller stopped reading: start nothing more

    def no_more() -> bool:
        return halted.is_set() or child.stopping()

    def worker() -> None:
        while not no_more():
            name = locks.take_first_free(waiting, hosts.__getitem__)
            if name is None:
                return
            try:
                if no_more():
                    return
                futures[name].set_running_or_notify_cancel()
                try:
                    futures[name].set_result(crawl(name, **options))
                except BaseException as error:  # raised in the caller's thread, at this spider's turn
                    halted.set()
                    futures[name].set_exception(error)
            finally:
                locks.release(hosts[name])

    # Each worker waits for its child before it takes another or ends: a child started with
    # PR_SET_PDEATHSIG (crawler/runner.py) is killed when the thread that started it ends.
    threads = [threading.Thread(target=worker, name=f"crawl-{n}", daemon=True)
               for n in range(max(1, min(workers, len(spiders))))]
    for thread in threads:
        thread.start()
    # crawl_in_child passes SIGTERM, SIGHUP and SIGINT on to its child only from the main thread:
    # here the main thread waits, so it takes them for every running crawl (no new one starts).
    with child.stop_on_signals(), _finally_halt(halted, locks, waiting, threads):
        for name in spiders:
            future = futures[name]
            while not future.done():
                if no_more():
                    for thread in threads:  # each finishes the crawl it runs, and starts none
                        thread.join()
                    break
                with contextlib.suppress(TimeoutError):
                    future.exception(timeout=0.2)
            if future.done():
                yield future.result()


@contextlib.contextmanager
def _finally_halt(halted: threading.Event, locks: HostLocks, waiting: list, threads: list):
    """However the caller stops reading (the end, an error, Ctrl-C): start nothing more, and wait
    for the crawls running to record how they ended."""
    try:
        yield
    finally:
        halted.set()
        locks.wake(waiting)
        for thread in threads:
            thread.join()
