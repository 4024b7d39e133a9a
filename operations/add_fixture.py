"""`glocal fixtures add`: archived responses become test fixtures, with a test of what they say today.

A fix for a changed site should start from the real page: `glocal check` archives what the
spider saw, this module copies chosen responses into `tests/fixtures/<spider>/` (with their URL
and capture time in meta.json) and writes a field-by-field test skeleton holding the values the
parser extracts now, for a person to check against the page.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from crawler.archive import ArchiveIndex
from kit.errors import GlocalError

_EXTENSIONS = (("json", ".json"), ("xml", ".xml"), ("html", ".html"), ("text/plain", ".txt"), ("csv", ".csv"))
_FEW = 5  # up to this many items of a kind get a test per field; more get their keys listed


@dataclass
class Added:
    url: str
    filename: str
    action: str  # "added" | "replaced" | "unchanged"


def add_fixtures(spider_cls, warc: str | Path, urls: list[str], *, folder: str | Path,
                 force: bool = False) -> list[Added]:
    """Copy the archived responses of `urls` (default: every page of the spider's hosts in the
    archive) into `folder`/<spider>/ and its meta.json.

    Refuses, before writing anything, an URL the archive lacks, an answer other than 200 (an error
    or challenge page is no fixture), and a file that exists with other bytes unless `force`.
    """
    index = ArchiveIndex.load(warc)
    hosts = set(getattr(spider_cls, "allowed_domains", []) or [])
    if not urls:
        urls = [u for u in index.entries if urlsplit(u).hostname in hosts and not u.endswith("/robots.txt")]
        if not urls:
            raise GlocalError(f"{warc} holds no page of {spider_cls.name} (hosts {', '.join(sorted(hosts))})")
    target = Path(folder) / spider_cls.name
    meta_path = target / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    by_url = {info["url"]: name for name, info in meta.items()}
    plan = []
    for url in urls:
        archived = index.read(url) if url in index else None
        if archived is None:
            raise GlocalError(f"{warc} has no record of {url}")
        if archived.status != 200:
            raise GlocalError(f"{url} answered HTTP {archived.status} in {warc}: an error page is not a fixture")
        name = by_url.get(url) or _free_name(url, archived.header("Content-Type") or "", meta, plan)
        path = target / name
        action = "added"
        if path.exists():
            if path.read_bytes() == archived.body:
                action = "unchanged"
            elif not force:
                raise GlocalError(f"{path} already holds another version of the page; pass --force to replace it")
            else:
                action = "replaced"
        plan.append((url, name, archived, action))
    target.mkdir(parents=True, exist_ok=True)
    added = []
    for url, name, archived, action in plan:
        if action != "unchanged":
            (target / name).write_bytes(archived.body)
        meta[name] = {**meta.get(name, {}), "url": url, "fetched_at": archived.fetched_at, "status": archived.status,
                      "content_type": archived.header("Content-Type") or "text/html; charset=UTF-8",
                      "notes": f"from {Path(warc).name} (offset {archived.offset})"}
        added.append(Added(url=url, filename=name, action=action))
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return added


def _free_name(url: str, content_type: str, meta: dict, plan: list) -> str:
    path = urlsplit(url).path.rstrip("/")
    stem = re.sub(r"[^a-z0-9-]+", "-", (path.rsplit("/", 1)[-1] or "index").lower()).strip("-") or "index"
    stem = re.sub(r"\.(html?|json|xml|php|aspx?)$", "", stem)
    extension = next((ext for word, ext in _EXTENSIONS if word in content_type.lower()), ".html")
    taken = set(meta) | {name for _, name, _, _ in plan}
    name, n = f"{stem}{extension}", 2
    while name in taken:
        name, n = f"{stem}-{n}{extension}", n + 1
    return name


# --- the test skeleton ----------------------------------------------------------------------------

def skeleton_source(spider_cls, pages: list[tuple[str, list | None]], *, warc: str = "",
                folder: str | Path | None = None) -> str:
    """Python source of field-by-field tests holding what the parser extracts today.

    :param pages: (fixture file name, items the parser returned, or None when it raised ParseError)
    """
    spider, module, cls = spider_cls.name, spider_cls.__module__, spider_cls.__name__
    # The project's own fixtures load by name; pages saved elsewhere load from their folder.
    if folder is None or Path(folder).resolve() == Path("tests/fixtures").resolve():
        loader, where = "load_fixture", ""
    else:
        loader, where = "load_fixture_from", f"{str(Path(folder).resolve())!r}, "
    lines = [
        f'"""{spider}: generated by `glocal fixtures add`{" from " + Path(warc).name if warc else ""}.',
        "",
        "The values are what the parser extracts today. Check each against the page; fix the parser",
        'where one is wrong, then correct the value here."""',
        "",
        "from collections import Counter",
        "",
        "import pytest",
        "",
        "from operations.live_check import page_parser",
        "from kit.errors import ParseError",
        f"from {module} import {cls}",
        f"from tests.helpers import {loader}",
        "",
        "",
        "def parse(page):",
        f"    return list(page_parser({cls}, page.url)(page.html, page.url))",
        "",
        "",
        "def of_kind(items, kind):",
        "    return [item for item in items if type(item).__name__ == kind]",
        "",
    ]
    for filename, items in pages:
        stem = re.sub(r"\W+", "_", Path(filename).stem).strip("_").lower()
        page, parsed = f"{stem.upper()}_PAGE", f"{stem.upper()}_ITEMS"
        lines += ["", f'{page} = {loader}({where}"{spider}", "{filename}")']
        if items is None:
            lines += ["", "", f"def test_{stem}_is_refused_by_the_parser():",
                      "    with pytest.raises(ParseError):", f"        parse({page})", ""]
            continue
        lines += [f"{parsed} = parse({page})", "", ""]
        kinds = Counter(type(item).__name__ for item in items)
        lines += [f"def test_{stem}_item_kinds():",
                  f"    assert Counter(type(item).__name__ for item in {parsed}) == {dict(kinds)!r}", "", ""]
        for kind, count in kinds.items():
            of_kind = [item for item in items if type(item).__name__ == kind]
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()
            if count > _FEW:
                attribute = "key" if hasattr(of_kind[0], "key") else "url"  # links have no key
                keys = [getattr(item, attribute) for item in of_kind]
                lines += [f"def test_{stem}_{snake}_{attribute}s():",
                          f"    assert [item.{attribute} for item in of_kind({parsed}, {kind!r})] == {keys!r}",
                          "", ""]
                continue
            for i, item in enumerate(of_kind):
                for f in fields(item):
                    value = getattr(item, f.name)
                    compare = "is" if value is None or isinstance(value, bool) else "=="
                    lines += [f"def test_{stem}_{snake}_{i}_{f.name}():",
                              f"    assert of_kind({parsed}, {kind!r})[{i}].{f.name} {compare} {value!r}", "", ""]
    return "\n".join(lines).rstrip() + "\n"
