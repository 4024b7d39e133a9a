"""`glocal new-spider SLUG URL [--from FILE]`: scaffold a source the way docs/adding-a-source.md
describes it: the spider, its parser (routes, scope, landmarks, expectations), a fixture folder
with meta.json, a field-by-field test that fails until its expectations are filled in, and a
docs/sources.md section."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import click

from kit.errors import GlocalError

SLUG = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def project_root(start: Path) -> Path:
    """The folder holding scrapy.cfg, from `start` upwards."""
    for folder in (start, *start.parents):
        if (folder / "scrapy.cfg").exists() and (folder / "spiders").is_dir():
            return folder
    raise GlocalError(f"no glocal-watch project (scrapy.cfg and spiders/) at or above {start}")


def scaffold(root: Path, slug: str, url: str, page: Path | None, *, now: datetime | None = None) -> list[Path]:
    """Write the five files of a new source; refuses to overwrite anything."""
    if not SLUG.match(slug):
        raise GlocalError(f"{slug!r} is not a spider name: lowercase words joined by _ (e.g. uclg_declarations)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GlocalError(f"{url!r} is not an http(s) URL")
    targets = {
        "spider": root / "spiders" / f"{slug}.py",
        "parser": root / "spiders" / "parsers" / f"{slug}.py",
        "test": root / "tests" / "spiders" / f"test_{slug}.py",
        "fixtures": root / "tests" / "fixtures" / slug,
    }
    existing = [str(p.relative_to(root)) for p in targets.values() if p.exists()]
    if existing:
        raise GlocalError(f"{slug} exists already ({', '.join(existing)}); pick another name or edit those files")
    page_file = page.name if page else "page.html"
    values = {
        "slug": slug, "url": url, "url_pattern": re.escape(url), "title": slug.replace("_", " ").capitalize(),
        "classname": "".join(word.capitalize() for word in slug.split("_")),
        "domains": ", ".join(json.dumps(d) for d in _domains(parts.hostname)),
        "schedule": _default_cron(), "page_file": page_file,
    }
    targets["spider"].write_text(_render("spider.py.tmpl", values), encoding="utf-8")
    targets["parser"].write_text(_render("parser.py.tmpl", values), encoding="utf-8")
    targets["test"].write_text(_render("test.py.tmpl", values), encoding="utf-8")
    targets["fixtures"].mkdir(parents=True)
    meta = {}
    if page is not None:
        import shutil  # here, not at the top: `glocal --help` and every other command skip it (lzma, bz2)

        shutil.copyfile(page, targets["fixtures"] / page_file)
        saved = datetime.fromtimestamp(page.stat().st_mtime, timezone.utc) if now is None else now
        meta[page_file] = {
            "url": url, "fetched_at": saved.strftime("%Y-%m-%dT%H:%M:%SZ"), "status": 200,
            "content_type": "text/html; charset=UTF-8",
            "notes": "saved with glocal new-spider; fetched_at is the file's modification time: "
                     "correct it, and say how the page was saved and what it shows",
        }
    (targets["fixtures"] / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")
    sources = root / "docs" / "sources.md"
    with sources.open("a", encoding="utf-8") as fh:
        fh.write(f"\n## {slug}\n\n**What it reads.** `{url}` (written by `glocal new-spider`; describe the site, its "
                 f"layouts, landmarks, keys, schedule and known limits as for `c40_accelerators`).\n")
    return [*targets.values(), sources]


def _render(name: str, values: dict) -> str:
    from importlib import resources
    from string import Template

    text = resources.files("operations").joinpath(f"templates/{name}").read_text(encoding="utf-8")
    return Template(text).substitute(values)


def _default_cron() -> str:
    """The SCHEDULER_DEFAULT_CRON setting: what the new spider would be scheduled at without a schedule."""
    from crawler.spider_registry import settings

    return settings().get("SCHEDULER_DEFAULT_CRON")


def _domains(host: str) -> list[str]:
    bare = host.removeprefix("www.")
    return [host] if bare == host else [host, bare]


@click.command(name="new-spider")
@click.argument("slug")
@click.argument("url")
@click.option("--from", "page", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A saved copy of the page at URL: becomes the first fixture.")
def new_spider(slug, url, page):
    """Scaffold a new source: spider, parser, fixture folder, failing test, docs stub

    Writes spiders/SLUG.py, spiders/parsers/SLUG.py (routes, scope, landmarks, expectations),
    tests/fixtures/SLUG/ (meta.json, and the saved page given with --from), a field-by-field
    tests/spiders/test_SLUG.py that fails until its FILL_IN values are read off the page, and a
    section in docs/sources.md. Nothing is overwritten. Next steps: docs/adding-a-source.md.

    Example:

    \b
        glocal new-spider uclg_declarations https://www.uclg.org/en/declarations --from page.html
    """
    root = project_root(Path.cwd())
    for path in scaffold(root, slug, url, page):
        click.echo(f"wrote {path.relative_to(root)}")
    click.echo(f"next: fill in tests/spiders/test_{slug}.py, then run "
               f".venv/bin/python -m pytest -q tests/spiders/test_{slug}.py")
