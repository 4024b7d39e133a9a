"""Parser fuzzing: every parser gets mutated versions of its own fixtures (elements deleted,
duplicated or swapped, text truncated, random bytes, other encodings and scripts) and must return
items or raise the project's ParseError: never another exception, never hang."""

from __future__ import annotations

import importlib
import json
import re
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kit.errors import ParseError
from kit.items import as_record, item_kind

FIXTURES = Path(__file__).parent.parent / "fixtures"
PARSERS = Path(__file__).parent.parent.parent / "spiders" / "parsers"
SECONDS_PER_PAGE = 10  # a hang; real pages parse in milliseconds


@dataclass(frozen=True)
class Page:
    spider: str
    filename: str
    url: str
    text: str


def parser_fixture_pages():
    """(spider, filename, meta.json entry) of every saved page with a URL of every spider that has a
    parser module: the pages the fuzzers start from."""
    for parser_file in sorted(PARSERS.glob("*.py")):
        spider = parser_file.stem
        meta_path = FIXTURES / spider / "meta.json"
        if spider.startswith("_") or not meta_path.exists():
            continue
        for filename, info in json.loads(meta_path.read_text(encoding="utf-8")).items():
            if not filename.endswith(".txt") and "url" in info:
                yield spider, filename, info


def fixture_pages() -> list[Page]:
    """Every saved HTML/XML/JSON page of every spider that has a parser module."""
    pages = []
    for spider, filename, info in parser_fixture_pages():
        try:
            text = (FIXTURES / spider / filename).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _routed(spider, info["url"]):
            pages.append(Page(spider, filename, info["url"], text))
    return pages


def parser_of(spider: str):
    """url -> the parse function its route reads it with (the parser module's ROUTES)."""
    module = importlib.import_module(f"spiders.parsers.{spider}")
    return lambda url: module.ROUTES.match(url).parse


def _routed(spider: str, url: str) -> bool:
    try:
        parser_of(spider)(url)
    except Exception:  # noqa: BLE001 - NoRoute, or a module without ROUTES: nothing to fuzz
        return False
    return True


_TAG = re.compile(r"<[^<>]{0,200}>")
_SCRIPTS = ["北京市, 上海市 和 广州", "Москва, Київ, Αθήνα", "القاهرة، دبي", "서울, 부산", "\u202eevil\x1b[2J", "&amp;&#0;&#xD800;"]


def mutations(text: str):
    """A strategy for one mutated page: a few structural and textual edits of `text`. Hypothesis is
    imported here, not with the module: every pytest worker imports this module to collect the fuzz
    tests, and only the one that runs them needs it."""
    from hypothesis import strategies as st

    return st.composite(_mutated)(text)


def _mutated(draw, text: str) -> str:
    from hypothesis import strategies as st

    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "truncate", "bytes", "script", "encoding",
                                     "unclose"]))
        if kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
        elif kind == "bytes":
            at = draw(st.integers(0, len(text)))
            noise = draw(st.binary(min_size=1, max_size=64)).decode("latin-1")
            text = text[:at] + noise + text[at:]
        elif kind == "script":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(_SCRIPTS)) + text[at:]
        elif kind == "encoding":
            codec = draw(st.sampled_from(["cp1252", "latin-1", "utf-16", "koi8-r", "shift_jis"]))
            text = text.encode(codec, "replace").decode("latin-1")  # bytes read with the wrong codec
        elif tags := [m.span() for m in _TAG.finditer(text)]:  # found only for the edits that move tags
            i, j = sorted(draw(st.lists(st.integers(0, len(tags) - 1), min_size=2, max_size=2)))
            (a, b), (c, d) = tags[i], tags[j]
            if kind == "delete":
                text = text[:a] + text[b:]
            elif kind == "duplicate":
                text = text[:b] + text[a:d] + text[b:]
            elif kind == "swap" and b <= c:
                text = text[:a] + text[c:d] + text[b:c] + text[a:b] + text[d:]
            elif kind == "unclose":
                text = text[:a] + text[a:b] * draw(st.integers(2, 300)) + text[b:]
    return text


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    def expire(signum, frame):
        raise Hang(f"no answer in {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def parse_once(page: Page, text: str) -> str:
    """'items' or 'parse error'; anything else propagates (the fuzz target's failure)."""
    parse = parser_of(page.spider)(page.url)
    with time_limit(SECONDS_PER_PAGE):
        try:
            for item in parse(text, page.url):
                item_kind(item)
                as_record(item)
        except ParseError:
            return "parse error"
    return "items"


def fuzz_page(page: Page, examples: int, seen: list) -> None:
    """Run `examples` mutations of one page; append each outcome to `seen`."""
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(mutations(page.text))
    def target(text):
        seen.append(parse_once(page, text))

    target()


# --- nested and large (issue 20, item 16) ------------------------------------------------------------------

NESTED_DEPTH = 240  # within CRAWL_MAX_PAGE_DEPTH (256)


def nested_and_large(text: str, *, depth: int, filler_chars: int) -> str:
    """The page with one large text (it begins like a lead line, "Signatory ...") wrapped `depth`
    elements deep just before its body closes: every ancestor shares the text's start, the case
    where a helper that reads each element's whole text costs size x depth."""
    filler = "Signatory text " + "lorem ipsum dolor " * (filler_chars // 18)
    nest = "<div>" * depth + filler + "</div>" * depth
    closing = re.search(r"</main>", text, re.I) or re.search(r"</body>", text, re.I)
    return text[:closing.start()] + nest + text[closing.start():] if closing else text + nest


def depth_cost(page: Page, *, filler_chars: int = 150_000, rounds: int = 2) -> float:
    """How many times longer the page takes to parse with its large text nested NESTED_DEPTH deep
    than with the same text one element deep (best of `rounds`: a ratio, never a timed limit). CPU
    seconds of this thread, as tests/kit/test_page_limits.py times it: the other worker and the
    machine's load stretch wall time, and a stretched flat round would hide a quadratic deep one."""
    import time

    def best(text: str) -> float:
        times = []
        for _ in range(rounds):
            started = time.thread_time()
            parse_once(page, text)
            times.append(time.thread_time() - started)
        return min(times)

    flat = best(nested_and_large(page.text, depth=1, filler_chars=filler_chars))
    deep = best(nested_and_large(page.text, depth=NESTED_DEPTH, filler_chars=filler_chars))
    return deep / max(flat, 0.05)
