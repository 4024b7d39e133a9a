"""Scaffolding a new source (`glocal new-spider SLUG URL [--from FILE]`), the way
docs/adding-a-source.md describes it: the spider, its parser (routes, scopes, landmarks,
expectations), a fixture folder (the saved page and its meta.json), a test that fails until its
expectations are read off the page and then crawls the spider over it, and a docs/sources.md section.

Every file is rendered in memory and compiled before the first one is written, and every value
from the command line reaches generated code as a literal (`_literal`), never pasted in: a name or
URL that would make a module that does not compile is refused with one line, and nothing is written
(a spider module that does not compile would break every command that lists spiders).
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from kit.errors import GlocalError

SLUG = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MAX_SLUG_CHARS = 40  # the longest spider name today is 20; file names (test_SLUG.py) stay short
# Characters RFC 3986 never allows raw in a URL (percent-encode them): quotes, spaces, brackets...
_NOT_IN_URL = re.compile(r'[\s"<>\\^`{|}]')


@dataclass(frozen=True)
class Plan:
    """What a scaffold writes: each file's path and content, the fixture folder, the docs section."""

    files: dict[Path, str | bytes]
    fixtures: Path
    sources: Path
    section: str


def project_root(start: Path) -> Path:
    """The folder holding scrapy.cfg, from `start` upwards."""
    for folder in (start, *start.parents):
        if (folder / "scrapy.cfg").exists() and (folder / "spiders").is_dir():
            return folder
    raise GlocalError(f"no glocal-watch project (scrapy.cfg and spiders/) at or above {start}")


def check_slug(slug: str) -> None:
    """A spider name is a Python module name: lowercase words joined by _, not a keyword, not too long."""
    if not SLUG.match(slug) or not slug.isidentifier():
        raise GlocalError(f"{_shown(slug)} is not a spider name: lowercase words joined by _ (e.g. uclg_declarations)")
    if len(slug) > MAX_SLUG_CHARS:
        raise GlocalError(f"{_shown(slug)} is not a spider name: {len(slug)} characters, at most {MAX_SLUG_CHARS}")
    if keyword.iskeyword(slug):
        raise GlocalError(f"{slug!r} is not a spider name: it is a Python keyword (the parser could not be imported)")


def check_url(url: str) -> str:
    """The URL's host name, when `url` is an http(s) URL a spider can start from."""
    bad = _NOT_IN_URL.search(url) or next((c for c in url if not c.isprintable()), None)
    if bad:
        character = bad.group() if isinstance(bad, re.Match) else bad
        raise GlocalError(f"{_shown(url)} is not a URL a spider can start from: it contains {character!r} "
                          f"(percent-encode it, e.g. %{ord(character):02X})")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as error:
        raise GlocalError(f"{_shown(url)} is not an http(s) URL: {error}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise GlocalError(f"{_shown(url)} is not an http(s) URL")
    return host


def plan(root: Path, slug: str, url: str, page: Path | None, *, now: datetime | None = None) -> Plan:
    """Everything a scaffold would write, checked (names, URL, existing files, generated code) and
    rendered; nothing is written yet."""
    check_slug(slug)
    host = check_url(url)
    spider = root / "spiders" / f"{slug}.py"
    parser = root / "spiders" / "parsers" / f"{slug}.py"
    test = root / "tests" / "spiders" / f"test_{slug}.py"
    fixtures = root / "tests" / "fixtures" / slug
    existing = [str(p.relative_to(root)) for p in (spider, parser, test, fixtures) if p.exists()]
    if existing:
        raise GlocalError(f"{slug} exists already ({', '.join(existing)}); pick another name or edit those files")
    page_file = _page_file(page)
    values = {
        "slug": slug, "title": slug.replace("_", " ").capitalize(),
        "classname": "".join(word.capitalize() for word in slug.split("_")),
        "start_url": _literal(url), "domains": ", ".join(_literal(d) for d in _domains(host)),
        "schedule": _literal(_default_cron()), "page_file": _literal(page_file),
    }
    files: dict[Path, str | bytes] = {spider: _render("spider.py.tmpl", values),
                                      parser: _render("parser.py.tmpl", values),
                                      test: _render("test.py.tmpl", values)}
    for path, text in files.items():
        try:
            compile(text, str(path), "exec")
        except (SyntaxError, ValueError) as error:  # a value the checks above let through: a bug, said in one line
            raise GlocalError(f"the scaffold of {slug} would not compile ({path.name}: {error}); nothing was written") from None
    meta = {}
    if page is not None:
        try:
            files[fixtures / page_file] = page.read_bytes()
            saved = datetime.fromtimestamp(page.stat().st_mtime, timezone.utc) if now is None else now
        except OSError as error:
            raise GlocalError(f"cannot read the saved page {page}: {error.strerror or error}") from None
        meta[page_file] = {
            "url": url, "fetched_at": saved.strftime("%Y-%m-%dT%H:%M:%SZ"), "status": 200,
            "content_type": "text/html; charset=UTF-8",
            "notes": "saved with glocal new-spider; fetched_at is the file's modification time: "
                     "correct it, and say how the page was saved and what it shows",
        }
    files[fixtures / "meta.json"] = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    section = (f"\n## {slug}\n\n**What it reads.** `{url}` (written by `glocal new-spider`; describe the site, its "
               f"layouts, landmarks, keys, schedule and known limits as for `c40_accelerators`).\n")
    return Plan(files=files, fixtures=fixtures, sources=root / "docs" / "sources.md", section=section)


def scaffold(root: Path, slug: str, url: str, page: Path | None, *, now: datetime | None = None) -> list[Path]:
    """Write the files of a new source and append its docs section; refuses to overwrite anything.
    A write that fails half-way removes what it wrote: a refused scaffold leaves the project as it was."""
    planned = plan(root, slug, url, page, now=now)
    written: list[Path] = []
    sources_before = planned.sources.read_bytes() if planned.sources.exists() else None
    try:
        planned.fixtures.mkdir(parents=True)
        for path, content in planned.files.items():
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            written.append(path)
        with planned.sources.open("a", encoding="utf-8") as fh:
            fh.write(planned.section)
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        if planned.fixtures.exists() and not any(planned.fixtures.iterdir()):
            planned.fixtures.rmdir()
        if sources_before is not None:
            planned.sources.write_bytes(sources_before)
        raise GlocalError(f"cannot write the scaffold of {slug}: {error.strerror or error} "
                          f"({error.filename or root}); nothing was kept") from None
    code = [path for path in planned.files if path.suffix == ".py"]
    return [*code, planned.fixtures, planned.sources]


def _page_file(page: Path | None) -> str:
    if page is None:
        return "page.html"
    name = page.name
    if name == "meta.json" or not name.isprintable():
        raise GlocalError(f"{_shown(name)} cannot be a fixture's file name: rename the saved page (e.g. page.html)")
    return name


def _literal(value: str) -> str:
    """`value` as a Python string literal (JSON's escapes are Python's; the checks allow no surrogates)."""
    return json.dumps(value, ensure_ascii=False)


def _shown(value: str, limit: int = 60) -> str:
    """A value as an error message quotes it: repr, cut to `limit` characters."""
    return repr(value) if len(value) <= limit else repr(value[:limit]) + f"... ({len(value)} characters)"


def _render(name: str, values: dict) -> str:
    from importlib import resources
    from string import Template

    text = resources.files("operations").joinpath(f"templates/{name}").read_text(encoding="utf-8")
    return Template(text).substitute(values)


def _default_cron() -> str:
    """SCHEDULER_DEFAULT_CRON (daily), what a spider without a schedule runs at; its author sets the real one."""
    from crawler.spider_registry import settings

    return settings().get("SCHEDULER_DEFAULT_CRON")


def _domains(host: str) -> list[str]:
    bare = host.removeprefix("www.")
    return [host] if bare == host else [host, bare]
