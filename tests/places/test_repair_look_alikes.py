"""naming.repair reads a name word by word for look-alike letters of another script only when the
name has one (a set test in C instead of a Unicode name per letter): the same text as reading
every non-ASCII name word by word."""

import csv
from pathlib import Path

from places import naming

CSV = Path(naming.__file__).parent / "data" / "places.csv"


class _EveryName:
    """Stands for naming._LOOK_ALIKE_LETTERS: says every name has a look-alike (the plain way)."""

    def isdisjoint(self, text) -> bool:
        return False


def names() -> list[str]:
    """The curated table's names and aliases, Latin words typed with each look-alike letter, and
    names wholly in Greek or Cyrillic (look-alikes among letters of their own script)."""
    found = []
    with open(CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            found += [row["name"], *filter(None, row["aliases"].split("|"))]
    for code in naming._LOOK_ALIKES:
        letter = chr(code)
        found += [f"{letter}glantzia", f"Vila {letter}ova", f"Sant{letter} Maria", f"Mál{letter}ga de Sús"]
    return found + ["Москва", "Αθήνα", "Київ Kyiv", "Тarigrad", "Αglantzia", "MÃ¡laga", "Bogotá D.C."]


def test_repair_gives_what_reading_every_word_gives(monkeypatch):
    every = names()
    assert sum(not name.isascii() for name in every) > 200
    fast = [naming.repair(name) for name in every]
    monkeypatch.setattr(naming, "_LOOK_ALIKE_LETTERS", _EveryName())
    plain = [naming.repair(name) for name in every]
    assert fast == plain
    assert sum(a != b for a, b in zip(every, plain)) > len(naming._LOOK_ALIKES)  # look-alikes were put right


def test_every_look_alike_letter_is_looked_for():
    assert naming._LOOK_ALIKE_LETTERS == {chr(code) for code in naming._LOOK_ALIKES}
    assert naming.repair("Αglantzia") == "Aglantzia" and naming.repair("Москва") == "Москва"
