"""naming._kind_of_words asks its word lists only of a name that has one of their words where the
lists look (the whole name, its first or its last words), found by three tests in C: the same kind
as asking the lists of every name."""

import csv
from pathlib import Path

from places import naming
from places.gazetteer import fold

CSV = Path(naming.__file__).parent / "data" / "places.csv"


def by_every_word(folded: str) -> str | None:
    """The lists asked of every name: the loop _kind_of_words runs after its test."""
    for kind, words in naming._KIND_WORDS.items():
        for word in words:
            if folded == word or folded.startswith(word + " ") or folded.endswith(" " + word):
                return kind
    return None


def folded_names() -> list[str]:
    names = []
    with open(CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            names += [fold(row["name"]), *(fold(a) for a in row["aliases"].split("|") if a)]
    for words in naming._KIND_WORDS.values():
        for word in words:
            names += [word, f"{word} aurora", f"aurora {word}", f"aurora {word} hills", f"{word}x", f"x{word}",
                      f"{word}\n", f" {word}", f"{word} "]
    return names


def test_the_same_kind_as_asking_every_word():
    names = folded_names()
    kinds = [naming._kind_of_words(name) for name in names]
    assert kinds == [by_every_word(name) for name in names]
    assert sum(kind is not None for kind in kinds) > 200 and sum(kind is None for kind in kinds) > 200
