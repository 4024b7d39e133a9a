"""Text helpers shared by parsers: cleaning, name keys, slugs, dates, name lists."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kit.errors import ParseError

# Characters sites use for spaces and dashes; a name must compare equal however it was typed.
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_PARENS = re.compile(r"\([^)]*\)")


def clean(value) -> str:
    """Text of a string or a BeautifulSoup node with whitespace collapsed ("" for None)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = value.get_text(" ")
    return _SPACES.sub(" ", value).strip()


# Scripts whose accents are commonly dropped or added by hand ("Bogota"/"Bogotá", "Αθηνα"/"Αθήνα"):
# their combining marks are folded away. Elsewhere (Devanagari vowel signs, Arabic, Hebrew...)
# a mark can be the only difference between two names, so it is kept.
_FOLDED_SCRIPTS = ("LATIN", "GREEK")
_ASCII_NON_WORD = re.compile(r"[^a-z0-9]+")
# Latin letters with a stroke or ligature have no decomposition; sites drop them like accents ("Lodz").
_LATIN_FOLDS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ı": "i", "æ": "ae", "œ": "oe"})
_DROPPED = re.compile(r"[.'\u2019\u02bc`\u00b4]")  # dropped inside a word: "D.C." is "DC", "St John's" "St Johns"


def strip_accents(text: str) -> str:
    """Text without the accents of Latin and Greek letters ("Bogotá" -> "Bogota"); other scripts untouched."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept, base_folds = [], False
    for ch in decomposed:
        if unicodedata.combining(ch):
            if base_folds:
                continue
        else:
            base_folds = unicodedata.name(ch, "").startswith(_FOLDED_SCRIPTS)
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def _fold(text: str) -> str:
    """NFKC, accents folded (Latin, Greek), casefolded; every run of non-word characters one "-".

    Letters, digits and marks of every script are kept: 北京市, Москва and القاهرة keep their own
    letters, so distinct names never collapse into one key.
    """
    if text.isascii():
        # The same result without the per-character Unicode lookups: most names are ASCII, and an
        # import keys 15,000 of them (tests/kit/test_text.py checks both paths agree).
        return _ASCII_NON_WORD.sub("-", _DROPPED.sub("", text.lower().replace("&", " and "))).strip("-")
    return _fold_unicode(text)


def undo_mojibake(text: str) -> str:
    """UTF-8 text that was decoded as cp1252 or Latin-1 ("SÃ£o Paulo"), decoded again as it was
    written ("São Paulo"); any other text as it is.

    A name key must not depend on how a page was decoded: a server that labels UTF-8 bytes
    `iso-8859-1` would otherwise make every accented signatory look removed and re-added. The
    repair applies only when the whole text turns back into bytes that are valid UTF-8, which
    a real name in a single-byte script essentially never is ("Bogotá" stays "Bogotá")."""
    if not any(0xC2 <= ord(ch) <= 0xF4 for ch in text):  # no UTF-8 lead byte seen as a Latin-1 letter
        return text
    data = bytearray()
    for ch in text:
        try:
            data += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return text
            data.append(ord(ch))  # a C1 control: Latin-1 proper decoded the byte cp1252 leaves undefined
    try:
        repaired = data.decode("utf-8")
    except UnicodeDecodeError:
        return text
    return repaired


def _fold_unicode(text: str) -> str:
    text = undo_mojibake(text)
    text = strip_accents(unicodedata.normalize("NFKC", clean(text))).casefold().translate(_LATIN_FOLDS)
    text = _DROPPED.sub("", text.replace("&", " and "))
    out, dash = [], False
    for ch in text:
        if unicodedata.category(ch)[0] in "LNM":
            out.append(ch)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return unicodedata.normalize("NFC", "".join(out)).strip("-")


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A spelling-insensitive key for a name, in any script ("" when the name has no letter or digit).

    "Bogotá" and "Bogota" give "bogota"; "Tel Aviv – Yafo" and "Tel Aviv-Yafo" give
    "tel-aviv-yafo"; "Washington, D.C." and "Washington DC" give "washington-dc";
    "Durban (eThekwini)" gives "durban" (a parenthesis adds detail, it does not name the place,
    unless it is all there is); "Москва" gives "москва", "서울" "서울".
    """
    outside = _fold(_PARENS.sub(" ", name))
    return outside or _fold(name)


def slugify(text: str) -> str:
    """A URL-style slug of any text, in any script (keeps parenthesised words, unlike name_key)."""
    return _fold(text)


def key_part(name: str, *, what: str = "name") -> str:
    """name_key(name), refusing a name that leaves nothing to key on (punctuation, blanks).

    An empty key would silently merge every such name into one row: a ParseError instead.
    """
    key = name_key(name)
    if not key:
        raise ParseError(f"the {what} {name!r} has no letter or digit to build a key from",
                         landmarks=("key",))
    return key


def parse_date(text: str | None, *, day_first: bool = True) -> str | None:
    """The ISO date (YYYY-MM-DD) a published date string means, or None.

    Uses dateparser for the many formats the sites print ("3 November 2025", "20.04.2024",
    "October 31st, 2020"); never guesses a missing year from the clock.
    """
    text = clean(text)
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    import dateparser  # imported lazily: the spider loader imports every parser module

    settings = {
        "DATE_ORDER": "DMY" if day_first else "MDY",
        "REQUIRE_PARTS": ["day", "month", "year"],
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed.date().isoformat() if parsed else None


# --- lists of names ---------------------------------------------------------------------------

# A comma followed by one of these belongs to the name before it ("Washington, DC").
_NAME_SUFFIX = re.compile(r"^D\.?\s?C\.?$")
_MARKERS = "*†‡§"


def split_names(text: str, *, keep_whole=lambda name: False) -> list[tuple[str, str]]:
    """Split a published list of names into (name, markers) pairs.

    Handles what real lists do: commas and semicolons, "and"/"&" before the last name (with or
    without an Oxford comma), commas inside a name ("Washington, DC"), commas or "&" inside
    parentheses ("Dhaka (North & South)"), footnote markers such as a trailing "*", and a full
    stop ending the list (but not the one ending "D.C."). `keep_whole(name)` returns True for a
    name that must not be split at " and " (a known place such as "Brighton and Hove").
    """
    text = clean(text).rstrip(";")
    if text.endswith(".") and not _ABBREVIATION_END.search(text):
        text = text[:-1]
    names: list[str] = []
    for segment in (s.strip() for s in _split_top_level(text, ",;")):
        if not segment:
            continue
        if names and _NAME_SUFFIX.match(segment.rstrip(_MARKERS).strip()):
            names[-1] = f"{names[-1]}, {segment}"
        else:
            names.append(re.sub(r"^(?:and|&)\s+", "", segment))
    if names and not keep_whole(_strip_markers(names[-1])[0]):
        names[-1:] = _split_last_and(names[-1], keep_whole)

    result = []
    for name in names:
        bare, markers = _strip_markers(name)
        if bare:
            result.append((bare, markers))
    return result


_ABBREVIATION_END = re.compile(r"[A-Z]\.\s?[A-Z]\.$")


def _split_top_level(text: str, separators: str) -> list[str]:
    """Split at separators that are not inside parentheses."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _split_last_and(segment: str, keep_whole) -> list[str]:
    """Split "Santa Monica* and West Hollywood*" at a top-level " and " or " & ".

    With several, prefer the split that leaves a known name whole ("X and Brighton and Hove").
    """
    candidates = []
    for match in re.finditer(r"\s+(?:and|&)\s+", segment):
        before = segment[: match.start()]
        if before.count("(") == before.count(")"):
            candidates.append((before, segment[match.end():]))
    if not candidates:
        return [segment]
    for left, right in candidates:
        if keep_whole(_strip_markers(left)[0]) or keep_whole(_strip_markers(right)[0]):
            return [left, right]
    return list(candidates[0])


def _strip_markers(name: str) -> tuple[str, str]:
    name = name.strip()
    markers = ""
    while name and (name[-1] in _MARKERS or name[-1].isspace()):
        if not name[-1].isspace():
            markers = name[-1] + markers
        name = name[:-1]
    while name and name[0] in _MARKERS:
        markers += name[0]
        name = name[1:]
    return name.strip(), markers
