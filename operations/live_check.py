"""`glocal check`: one crawl of a spider into a scratch store, and a verdict a person can act on.

The crawl is real (live, or a replay of a WARC) but writes only to a scratch store beside its own
archive, so nothing reaches the real store or the alert outbox. The verdict then reads what the
run left: each page's status (a 403 or a challenge page is called out as *blocking*, with the
headers that name the protection), the URLs robots.txt kept it from, items against the spider's
expectations, and each declared landmark found or missing, by parsing the archived pages again
with the spider's own parser.

A spider is **blind** when it got nothing it can trust (no items, a page blocked, a landmark
missing, or no run at all), **partial** when its run was unhealthy for other reasons (a page
that failed), **ok** otherwise.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crawler.archive import read_record
from kit.bot_walls import blocking_reason, protection
from kit.errors import ArchiveError, ParseError
from kit.items import ScopeReport
from store import open_db
from store import pages as stored_pages

_ROBOTS = re.compile(r"Forbidden by robots\.txt: <\w+ (\S+)>")
_SHOWN_HEADERS = ("server", "cf-ray", "cf-mitigated", "x-datadome", "x-iinfo", "x-sucuri-id", "retry-after")


@dataclass
class PageVerdict:
    url: str
    status: int
    blocked: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # only those that tell who answered


@dataclass
class SpiderVerdict:
    spider: str
    verdict: str  # ok | partial | blind
    summary: str
    run_id: int | None = None
    pages: list[PageVerdict] = field(default_factory=list)
    robots_blocked: list[str] = field(default_factory=list)
    items: int = 0
    checks: list[dict] = field(default_factory=list)  # the run's health checks
    landmarks: dict[str, str] = field(default_factory=dict)  # name -> "found" | "missing on URL" | "not checked"
    reasons: list[str] = field(default_factory=list)  # why blind or partial, in words

    @property
    def blind(self) -> bool:
        return self.verdict == "blind"

    def as_dict(self) -> dict:
        return asdict(self)


def page_parser(spider_cls, url: str):
    """The spider's parse function for a page URL (its parser's routing table), or None."""
    from kit.routing import NoRoute

    module = getattr(spider_cls, "parser", None) or importlib.import_module(f"spiders.parsers.{spider_cls.name}")
    try:
        return module.ROUTES.match(url).parse
    except (AttributeError, NoRoute):
        return None


def judge(spider_cls, *, db_path: str | Path, outcome, log_file: Path | None = None) -> SpiderVerdict:
    """The verdict on one check crawl, from the scratch store it wrote."""
    run = outcome.run
    if run is None:
        return SpiderVerdict(spider=spider_cls.name, verdict="blind", summary=outcome.message,
                             reasons=[f"no run was recorded: {outcome.message}"])
    with open_db(db_path) as db:
        rows = stored_pages.pages_of_run(db, run["id"])
    verdict = SpiderVerdict(spider=spider_cls.name, verdict="ok", summary=run["summary"] or "", run_id=run["id"],
                            items=run["items"] or 0, checks=json.loads(run["health"] or "[]"))
    bodies: dict[str, bytes] = {}
    for row in rows:
        page = PageVerdict(url=row["url"], status=row["status"])
        if row["archive"]:
            try:
                archived = read_record(row["archive"], row["archive_offset"])
            except ArchiveError:
                archived = None
            if archived is not None:
                headers = {k.lower(): v for k, v in archived.headers}
                page.headers = {k: headers[k] for k in _SHOWN_HEADERS if k in headers}
                page.blocked = blocking_reason(archived.status, headers, archived.body)
                if archived.status == 200 and not page.blocked and not row["url"].endswith("/robots.txt"):
                    bodies[row["url"]] = archived.body
        verdict.pages.append(page)
    if log_file and Path(log_file).exists():
        verdict.robots_blocked = sorted(set(_ROBOTS.findall(Path(log_file).read_text(errors="replace"))))
    verdict.landmarks = _landmarks(spider_cls, bodies)

    blocked = [p for p in verdict.pages if p.blocked]
    missing = {name: where for name, where in verdict.landmarks.items() if where.startswith("missing")}
    reasons = [f"{p.url} is blocked: {p.blocked}" for p in blocked]
    reasons += [f"landmark {name!r} ({_describe(spider_cls, name)}) {where}" for name, where in missing.items()]
    if verdict.robots_blocked:
        reasons.append(f"robots.txt forbids {len(verdict.robots_blocked)} URLs, e.g. {verdict.robots_blocked[0]}")
    if verdict.items == 0:
        reasons.append("the run yielded no items")
    if run["status"] != "finished":
        reasons.append(f"the run {run['status']}: {run['summary']}")
    if blocked or missing or verdict.items == 0 or run["status"] != "finished":
        verdict.verdict = "blind"
    elif not run["healthy"]:
        verdict.verdict = "partial"
        reasons += [c["detail"] for c in verdict.checks if not c["passed"]]
    verdict.reasons = reasons
    return verdict


def _landmarks(spider_cls, bodies: dict[str, bytes]) -> dict[str, str]:
    declared = [landmark.name for landmark in _expectations(spider_cls).landmarks]
    missing: dict[str, list[str]] = {}
    parsed = 0
    for url, body in bodies.items():
        parse = page_parser(spider_cls, url)
        if parse is None:
            continue
        parsed += 1
        try:
            for item in parse(body.decode("utf-8", "replace"), url):
                if isinstance(item, ScopeReport):
                    for name in item.landmarks_missing:
                        missing.setdefault(name, []).append(url)
        except ParseError as error:
            for name in error.landmarks or ("page",):
                missing.setdefault(name, []).append(url)
    result = {}
    for name in declared + [n for n in missing if n not in declared]:
        if name in missing:
            urls = sorted(set(missing[name]))
            result[name] = f"missing on {urls[0]}" + (f" and {len(urls) - 1} more pages" if len(urls) > 1 else "")
        else:
            result[name] = "found" if parsed else "not checked (no page was read)"
    return result


def _expectations(spider_cls):
    """The spider's declared expectations (its parser module's EXPECTATIONS)."""
    from kit.expectations import Expectations

    parser = getattr(spider_cls, "parser", None)
    return getattr(parser, "EXPECTATIONS", None) or Expectations()


def _describe(spider_cls, name: str) -> str:
    return _expectations(spider_cls).describe(name)


def render(verdict: SpiderVerdict) -> list[str]:
    """The verdict as lines for a terminal."""
    lines = [f"{verdict.spider}: {verdict.verdict.upper()}" + (f" (run {verdict.run_id})" if verdict.run_id else "")]
    statuses: dict[int, int] = {}
    for page in verdict.pages:
        statuses[page.status] = statuses.get(page.status, 0) + 1
    shown = ", ".join(f"{status} x{n}" for status, n in sorted(statuses.items()))
    lines.append(f"  pages: {len(verdict.pages)} fetched" + (f" ({shown})" if shown else ""))
    for page in verdict.pages:
        if page.blocked:
            told = ", ".join(f"{k}: {v}" for k, v in page.headers.items())
            lines.append(f"  BLOCKING {page.url}: {page.blocked}" + (f" [{told}]" if told else ""))
        elif page.status >= 400:
            lines.append(f"  failed {page.url}: HTTP {page.status}")
    for url in verdict.robots_blocked:
        lines.append(f"  robots.txt forbids {url}")
    counts = [c["detail"] for c in verdict.checks if c["check"].endswith(" count")]
    lines.append(f"  items: {verdict.items}" + (f" ({'; '.join(counts)})" if counts else ""))
    for name, state in verdict.landmarks.items():
        lines.append(f"  landmark {name}: {state}")
    for reason in verdict.reasons:
        lines.append(f"  why: {reason}")
    return lines


__all__ = ["judge", "render", "SpiderVerdict", "PageVerdict", "protection"]
