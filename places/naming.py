"""What a published name says before any gazetteer is asked: its repaired text, the place it
names, the kind of authority it is, the region it hints at, and whether it lists several towns.

"MÃ¡laga" -> "Málaga" (mojibake, repaired with ftfy); "Αglantzia" (a Greek capital Alpha in a
Latin word) -> "Aglantzia"; "Ialoveni (Rayon)" -> Ialoveni, a rayon; "Mykolayiv, Lviv oblast" ->
Mykolayiv, in the area "Lviv oblast"; "Barcelona Metropolitan Area" -> Barcelona, a metropolitan
body; "City of Aurora, IL" -> Aurora, in "IL"; "Ieper, Poperinge" -> a group of two towns (when
both parts are places: the resolver checks that). Pure text work: no lookup, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

# Kinds of authority a name can say it is. "city" is the default: a municipality.
CITY, METROPOLITAN, COUNTY, DISTRICT, RAYON, REGION, GROUP = (
    "city", "metropolitan", "county", "district", "rayon", "region", "group")
# Kinds that are their own actor beside the city of the same name, linked to it.
DISTINCT_KINDS = frozenset({METROPOLITAN, COUNTY, DISTRICT, RAYON, GROUP})

# Entity-type words, folded (lower case, no accents), longest first within each kind. A word at
# the start ("Comune di X") or at the end ("X City Council"), or in parentheses ("X (Rayon)").
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    METROPOLITAN: ("metropolitan area of", "metropolitan area", "area metropolitana de", "area metropolitana di",
                   "area metropolitana", "citta metropolitana di", "metropolitan city of", "metropole de",
                   "metropole du", "metropole", "metropolis", "metropolitan region", "communaute urbaine de",
                   "communaute urbaine", "communaute d agglomeration de", "communaute d agglomeration",
                   "agglomeration", "eurometropole de", "eurometropole"),
    COUNTY: ("varmegyei onkormanyzat", "megyei onkormanyzat", "county government", "consiliul judetean",
             "county council", "county borough council", "county of", "county", "diputacion provincial de",
             "diputacion de", "diputacion of", "provincia di", "province of", "provincial government of",
             "landkreis", "kreis", "judetul", "consell comarcal del", "consell comarcal de", "comarca de"),
    DISTRICT: ("district municipality of", "district municipality", "district council", "district of",
               "municipal district of", "kerulet", "bezirk", "district"),
    RAYON: ("raion council", "rayon council", "rayon", "raion", "rajon", "r n"),
    REGION: ("regional government of", "region of", "regional council", "oblast state administration",
             "oblast council", "autonomous community of", "generalitat de", "regione"),
}
# Words that say "the municipality": dropped, the kind stays a city. ("δημοσ", Greek "Δήμος": casefold
# writes a final sigma as σ.)
_CITY_PREFIXES = (
    "city and county of", "city of", "town of", "municipality of", "metropolitan municipality of",
    "ville de", "ville d", "commune de", "commune d", "commune", "mairie de", "comune di", "comune de", "comune",
    "citta di", "municipio de", "municipio da", "municipio di", "ayuntamiento de", "ajuntament de", "ajuntament d",
    "concello de", "prefeitura de", "prefeitura municipal de", "camara municipal de", "gemeente", "stadt",
    "landeshauptstadt", "gmina", "miasto", "kommune", "grad", "distrito metropolitano de", "alcaldia de",
    "alcaldia mayor de", "intendencia de", "obcina", "opcina", "mesto", "dimos", "demos", "municipiul",
    "comuna", "orasul", "the", "gobierno municipal de", "vila de", "vila d", "villa de", "primaria", "primaria comunei",
    "primaria orasului", "primaria municipiului", "greater", "δημοσ", "dimos of", "lewaa", "liwa", "municipal council of", "gobierno autonomo municipal de", "municipalidad de",
)
_CITY_SUFFIXES = (
    "metropolitan municipality", "metropolitan municipal council", "metropolitan government",
    "municipal peoples government", "peoples government", "municipal government", "city government",
    "government", "city council", "city corporation", "municipal corporation", "corporation", "municipal council",
    "municipality", "municipal", "council", "city", "town", "kommune", "kommun", "stad", "commune", "comune",
    "onkormanyzata", "varos", "varosa", "mesto", "obcina", "amalgamated territorial community",
    "amalgamated hromada", "territorial community", "hromada", "ac", "atc", "otg", "amalgamated community",
    "amalgamated territorial", "united territorial community", "community", "village council", "settlement council",
    "city council of", "rural council", "kozseg", "kozseg onkormanyzata", "belediyesi", "buyuksehir belediyesi",
    "obec", "gmina miejska", "gmina wiejska", "urban municipality", "rural municipality", "2020", "2030", "2050",
    # Ukrainian communities as they name themselves ("Radyvylivska miska hromada": the city community
    # of Radyvyliv): the adjective stays, places/resolver.py reads it back to its town.
    "miska hromada", "silska hromada", "selyshchna hromada", "terytorialna hromada", "miska rada", "silska rada",
    "selyshchna rada", "miska", "silska", "selyshchna", "mtg", "stg", "tg", "tc", "town council", "urban territorial community",
    "island",
)
_PREFIXES = tuple(sorted(_CITY_PREFIXES, key=len, reverse=True))
_SUFFIXES = tuple(sorted(_CITY_SUFFIXES, key=len, reverse=True))

# Words naming a region in a hint: "Lviv oblast", "Kharkiv region", "Jud. Timis", "r. Stefan Voda".
_AREA_WORDS = ("oblast", "oblasti", "region", "province", "provincia", "county", "judetul", "jud", "rayon",
               "raion", "r", "r l", "district", "state", "krai", "kraj", "voivodeship", "wojewodztwo")

# Letters of Greek and Cyrillic that look like Latin ones: a Latin word typed with one of them
# ("Αglantzia", "Тarigrad") is the Latin word.
_LOOK_ALIKES = str.maketrans({
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "ι": "i", "κ": "k",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y",
    "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h",
})
_LOOK_ALIKE_LETTERS = frozenset(chr(code) for code in _LOOK_ALIKES)
_WORD = re.compile(r"\w+")
_LEADING_ABBREVIATION = re.compile(r"^([^\W\d_]{1,3})\.(?=[^\W\d_]{2})")
_GLUED_YEAR = re.compile(r"([^\W\d_]{3})((?:19|20)\d\d)$")
_PARENS = re.compile(r"\(([^)]*)\)?")
_SPACES = re.compile(r"\s+")
_CODE_LIKE = re.compile(r"^[A-Za-z]{2,3}$")
_NUMBER = re.compile(r"^\d+$")
_PART_SEPARATOR = re.compile(r"\s*/\s*|\s+[-\u2013\u2014]\s+|\s*[\u2013\u2014]\s*")
# Leading articles a source writes and GeoNames may not ("El Barraco" is GeoNames' "Barraco"), or
# writes in another language ("A Cañiza", GeoNames' "La Cañiza"); Arabic's in its transliterations
# ("Al-Russifa", GeoNames' "Ar Ruşayfah").
_ARTICLES = ("el", "la", "l", "les", "los", "las", "le", "il", "lo", "o", "a", "as", "os", "es", "sa", "s",
             "al", "ar", "ad", "an", "at", "az", "ash", "ath", "ed", "er", "et", "ez")


@dataclass(frozen=True)
class Reading:
    """One published name, read: what to look up, what kind of body it is, what narrows it."""

    text: str  # the repaired name as published
    core: str  # the place's own name ("Barcelona" of "Barcelona Metropolitan Area")
    kind: str = CITY
    hints: tuple[str, ...] = ()  # region words or codes ("Lviv oblast", "NA", "IL")
    members: tuple[str, ...] = ()  # the towns a group signatory lists (checked by the resolver)
    alternates: tuple[str, ...] = field(default_factory=tuple)  # other names it gives ("Slemani")
    # "Sexten - Sesto", "Bruxelles/Brussel": one place in two languages, or two towns ("Ansoain -
    # Berriozar"): the resolver tries each part and makes a group only of parts that are apart.
    parts: tuple[str, ...] = ()


def repair(text: str) -> str:
    """The name as it was meant: mojibake undone, look-alike letters of another script put right,
    a leading abbreviation spaced ("S.Angelo" -> "S. Angelo", read "San Angelo"), a year glued to
    the name spaced ("Cravanzana2050" -> "Cravanzana 2050", whose year is then dropped)."""
    text = _SPACES.sub(" ", (text or "").replace("*", " ")).strip()
    if not text:
        return ""
    if not text.isascii():
        text = _fix_mojibake(text)
        if not _LOOK_ALIKE_LETTERS.isdisjoint(text):  # _latin_word changes only a word that has one
            text = " ".join(_latin_word(word) for word in text.split(" "))
    text = _LEADING_ABBREVIATION.sub(r"\1. ", text)
    return _GLUED_YEAR.sub(r"\1 \2", text)


def _fix_mojibake(text: str) -> str:
    import ftfy  # a few ms to import: only names that are not plain ASCII need it

    return ftfy.fix_text(text, normalization="NFC", fix_latin_ligatures=False, uncurl_quotes=False)


def _script(ch: str) -> str:
    if not ch.isalpha():
        return ""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0]  # LATIN, GREEK, CYRILLIC ...


def _latin_word(word: str) -> str:
    """A word mostly in Latin letters with a few Greek or Cyrillic look-alikes is a Latin word."""
    scripts = [_script(ch) for ch in word if ch.isalpha()]
    latin = sum(1 for s in scripts if s == "LATIN")
    if latin and latin < len(scripts):
        fixed = word.translate(_LOOK_ALIKES)
        if all(_script(ch) in ("LATIN", "") for ch in fixed):
            return fixed
    return word


@lru_cache(maxsize=8192)
def read(name: str) -> Reading:
    """Read a published name (see the module's examples)."""
    from places.gazetteer import fold

    text = repair(name)
    hints: list[str] = []
    alternates: list[str] = []
    kind = CITY
    # Parentheses: a kind ("(Rayon)"), a region hint ("(NA)", "(Jud. Timis)"), or another name.
    for inner in _PARENS.findall(text):
        inner = inner.strip(" .")
        folded = fold(inner)
        if not folded or _NUMBER.match(folded.replace(" ", "")):
            continue
        inner_kind = _kind_of_words(folded)
        if inner_kind and fold(_strip_kind(folded, inner_kind)) == "":
            kind = inner_kind
        elif folded in ("comune", "commune", "municipality", "city", "double", "doublet"):
            continue
        elif _is_area_phrase(folded) or _CODE_LIKE.match(inner):
            hints.append(_area_core(folded))
        else:
            alternates.append(inner)
            hints.append(folded)  # "Karşıyaka (Erdek-Balikesir)": a place name that may be the region
    bare = _SPACES.sub(" ", _PARENS.sub(" ", text)).strip(" ,-")
    members: list[str] = []
    if "," in bare:
        parts = [p.strip() for p in bare.split(",") if p.strip()]
        tail = fold(parts[-1]) if parts else ""
        if len(parts) == 2 and parts[1].islower() and tail in ("el", "la", "les", "l", "los", "las", "le", "il", "lo", "o", "a", "as", "os"):
            bare = f"{parts[1]} {parts[0]}"  # "Vendrell, el" -> "el Vendrell"
        elif len(parts) >= 2 and all(_is_area_phrase(fold(p)) or _CODE_LIKE.match(p) for p in parts[1:]):
            bare = parts[0]  # "Mykolayiv, Lviv oblast", "City of Aurora, IL"
            hints += [_area_core(fold(p)) for p in parts[1:]]
        elif len(parts) >= 2:
            members = parts
            hints.append(_area_core(fold(parts[-1])))  # "Portland, ME": a region if not a member
    folded = fold(bare)
    words_kind = _kind_of_words(folded)
    if words_kind:
        kind = words_kind
        folded = _strip_kind(folded, words_kind)
    core = _strip_city_words(folded)
    if " and " in f" {core} " and not members:
        parts = [p.strip() for p in re.split(r"\band\b|&", bare) if p.strip()]
        members = parts if len(parts) >= 2 else []
    parts: list[str] = []
    if not members:
        split = [p.strip(" ,") for p in _PART_SEPARATOR.split(bare) if len(p.strip(" ,")) >= 3]
        if len(split) >= 2:
            parts = split
    return Reading(text=text, core=core or folded, kind=kind, hints=tuple(dict.fromkeys(h for h in hints if h)),
                   members=tuple(members), alternates=tuple(alternates), parts=tuple(parts))


def with_articles(bare: str) -> list[str]:
    """"caniza" -> "caniza", "el caniza", "la caniza", ...: the name bare and with each leading article."""
    return [bare] + [f"{article} {bare}" for article in _ARTICLES]


def without_article(folded: str) -> str | None:
    """"el barraco" -> "barraco"; None when the name has no leading article (or is only one)."""
    head, _, rest = folded.partition(" ")
    return rest if head in _ARTICLES and len(rest) >= 3 else None


# One C-level test per name instead of a loop over every word list (most names carry none): the
# loop's own three tests, each over every word at once (a regular expression of the same words took
# 25 µs a name, scanning every position for a word at the end).
_KIND_WORD_SET = frozenset(w for ws in _KIND_WORDS.values() for w in ws)
_KIND_WORD_FIRST = tuple(w + " " for ws in _KIND_WORDS.values() for w in ws)
_KIND_WORD_LAST = tuple(" " + w for ws in _KIND_WORDS.values() for w in ws)


def _kind_of_words(folded: str) -> str | None:
    if not (folded in _KIND_WORD_SET or folded.startswith(_KIND_WORD_FIRST) or folded.endswith(_KIND_WORD_LAST)):
        return None
    for kind, words in _KIND_WORDS.items():
        for word in words:
            if folded == word:
                return kind
            if folded.startswith(word + " ") or folded.endswith(" " + word):
                return kind
    return None


def _strip_kind(folded: str, kind: str) -> str:
    for word in sorted(_KIND_WORDS[kind], key=len, reverse=True):
        if folded == word:
            return ""
        if folded.startswith(word + " "):
            folded = folded[len(word) + 1:]
        if folded.endswith(" " + word):
            folded = folded[: -len(word) - 1]
    return _strip_city_words(folded)


_ANY_CITY_PREFIX = tuple(prefix + " " for prefix in _PREFIXES)
_ANY_CITY_SUFFIX = tuple(" " + suffix for suffix in _SUFFIXES)


_TRAILING_YEAR = re.compile(r" (?:19|20)\d\d$")  # "Fusignano 2030", "Dubai 2040": a plan's year, not the place


def _strip_city_words(folded: str) -> str:
    if _TRAILING_YEAR.search(folded) and len(folded) > 7:
        folded = folded[:-5]
    changed = folded.startswith(_ANY_CITY_PREFIX) or folded.endswith(_ANY_CITY_SUFFIX)
    while changed:
        # One pass takes off, in list order, each prefix then each suffix the name has at that
        # moment (a later word of the list can meet what an earlier one uncovered); passes repeat
        # until none comes off. The next word to try is found by the name's own first and last
        # characters, a few dictionary reads, not by testing all 130 words (0.1 ms a name).
        changed = False
        after = 0
        while (found := _next_word(folded, after, _PREFIX_AT, _PREFIX_LENGTHS, from_end=False)) is not None:
            folded, after, changed = folded[_PREFIX_LENGTHS_OF[found]:], found + 1, True
        after = 0
        while (found := _next_word(folded, after, _SUFFIX_AT, _SUFFIX_LENGTHS, from_end=True)) is not None:
            folded, after, changed = folded[: -_SUFFIX_LENGTHS_OF[found]], found + 1, True
    for article in ("di ", "de ", "d ", "of "):  # "Comune di" read as "comune" + "di X" by a shorter rule
        if folded.startswith(article) and len(folded) > len(article) + 2:
            folded = folded[len(article):]
    return folded


# Each city word with its space ("comune ", " municipality") -> its place in _PREFIXES/_SUFFIXES.
_PREFIX_AT = {prefix + " ": n for n, prefix in reversed(list(enumerate(_PREFIXES)))}
_SUFFIX_AT = {" " + suffix: n for n, suffix in reversed(list(enumerate(_SUFFIXES)))}
_PREFIX_LENGTHS = sorted({len(word) for word in _PREFIX_AT})
_SUFFIX_LENGTHS = sorted({len(word) for word in _SUFFIX_AT})
_PREFIX_LENGTHS_OF = [len(prefix) + 1 for prefix in _PREFIXES]
_SUFFIX_LENGTHS_OF = [len(suffix) + 1 for suffix in _SUFFIXES]


def _next_word(folded: str, after: int, at: dict, lengths: list, *, from_end: bool) -> int | None:
    """The first word of the list, at `after` or later, that `folded` begins (ends) with and
    keeps more than one letter of the name beside it; None when there is none."""
    found = None
    for length in lengths:
        if len(folded) <= length + 1:
            break  # what would be left is one letter or none (the lengths rise)
        n = at.get(folded[-length:] if from_end else folded[:length])
        if n is not None and n >= after and (found is None or n < found):
            found = n
    return found


def _is_area_phrase(folded: str) -> bool:
    words = folded.split()
    return bool(words) and (words[-1] in _AREA_WORDS or words[0] in _AREA_WORDS)


def _area_core(folded: str) -> str:
    """"lviv oblast" -> "lviv"; "jud timis" -> "timis"; "r stefan voda" -> "stefan voda"; "il" -> "il"."""
    words = folded.split()
    while len(words) > 1 and words[-1] in _AREA_WORDS:
        words.pop()
    while len(words) > 1 and words[0] in _AREA_WORDS:
        words.pop(0)
    return " ".join(words)


# Letters transliterations swap for one another ("Qalqilia"/"Kalkilya", "Carmel"/"Karmel").
_SKELETON_LETTERS = str.maketrans({"q": "k", "c": "k", "w": "v", "z": "s", "x": "ks"})
_VOWELS = re.compile(r"[aeiouy\s]+|h$|h(?=[^aeiouy])")
_DOUBLES = re.compile(r"(.)\1+")


@lru_cache(maxsize=16384)
def skeleton(folded: str) -> str:
    """The consonants of a folded name as transliterations keep them: "qalqilyah" -> "klkl"."""
    if not folded.isascii():
        return ""
    text = folded.replace("ph", "f").replace("th", "t").replace("kh", "k").translate(_SKELETON_LETTERS)
    return _DOUBLES.sub(r"\1", _VOWELS.sub("", text.replace("j", "")))
