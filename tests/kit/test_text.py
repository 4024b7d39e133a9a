"""kit.text: the helpers every parser relies on to read names and dates as published."""

import pytest

from kit.text import clean, name_key, parse_date, slugify, split_names
from store.clock import parse_moment
from places.curated import is_known_place


@pytest.mark.parametrize("text,expected", [
    ("Paris, London and Rome", ["Paris", "London", "Rome"]),
    ("Paris, London, and Rome.", ["Paris", "London", "Rome"]),
    ("Paris, London & Rome", ["Paris", "London", "Rome"]),
    ("Paris; London; Rome", ["Paris", "London", "Rome"]),
    ("Tokyo, Vancouver and Washington, DC", ["Tokyo", "Vancouver", "Washington, DC"]),
    ("Tokyo, Washington, D.C.", ["Tokyo", "Washington, D.C."]),
    ("Tokyo, Warsaw, Washington D.C.", ["Tokyo", "Warsaw", "Washington D.C."]),
    ("Lima, Dhaka (North & South) and Quito", ["Lima", "Dhaka (North & South)", "Quito"]),
    ("Lima, Dhaka (North, South), Quito", ["Lima", "Dhaka (North, South)", "Quito"]),
    ("Amman, Durban (eThekwini), Tel Aviv – Yafo", ["Amman", "Durban (eThekwini)", "Tel Aviv – Yafo"]),
    ("Milan\u00a0, Tel\u00a0Aviv\u00a0–\u00a0Yafo", ["Milan", "Tel Aviv – Yafo"]),
    ("Paris,, London", ["Paris", "London"]),
    ("Oxford and Brighton and Hove", ["Oxford", "Brighton and Hove"]),
])
def test_split_names(text, expected):
    known = {"Brighton and Hove"}
    assert [n for n, _ in split_names(text, keep_whole=lambda n: n in known)] == expected


def test_split_names_keeps_markers_apart():
    assert split_names("Oslo, Birmingham*, Santa Monica* and West Hollywood*") == [
        ("Oslo", ""), ("Birmingham", "*"), ("Santa Monica", "*"), ("West Hollywood", "*")]


def test_split_names_with_the_gazetteer():
    assert [n for n, _ in split_names("Paris and Quezon City", keep_whole=is_known_place)] == ["Paris", "Quezon City"]


@pytest.mark.parametrize("a,b", [
    ("Bogotá", "Bogota"),
    ("Tel Aviv – Yafo", "Tel Aviv-Yafo"),
    ("Tel Aviv\u00a0–\u00a0Yafo", "Tel Aviv - Yafo"),
    ("Washington, D.C.", "Washington DC"),
    ("Durban (eThekwini)", "Durban"),
    ("MONTRÉAL", "montreal"),
    ("St. John's", "St Johns"),
])
def test_name_key_ignores_spelling(a, b):
    assert name_key(a) == name_key(b)


def test_name_key_keeps_different_places_apart():
    assert name_key("New York") != name_key("York")
    assert name_key("San Jose") != name_key("Santiago")


def test_slugify_keeps_words_in_parentheses():
    assert slugify("Dhaka (North & South)") == "dhaka-north-and-south"


def test_clean_collapses_every_kind_of_space():
    assert clean(" a\u00a0\u2009b\n\tc ") == "a b c"
    assert clean(None) == ""


@pytest.mark.parametrize("text,iso", [
    ("3 November 2025", "2025-11-03"),
    ("20.04.2024", "2024-04-20"),
    ("October 31st, 2020", "2020-10-31"),
    ("22 Apr 2016", "2016-04-22"),
    ("2026-09-15", "2026-09-15"),
    ("29/11/2010", "2010-11-29"),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", ["", None, "soon", "12 March"])
def test_parse_date_never_guesses(text):
    assert parse_date(text) is None


def test_parse_moment_reads_dates_and_times_as_utc():
    assert parse_moment("2026-11-05").isoformat() == "2026-11-05T00:00:00+00:00"
    assert parse_moment("2026-11-05T10:00:00+02:00").isoformat() == "2026-11-05T08:00:00+00:00"


# --- keys in any script (issue 6 §2) --------------------------------------------------------------

from kit.errors import ParseError  # noqa: E402
from kit.text import key_part  # noqa: E402

SCRIPTS = ["北京市", "上海市", "Москва", "Київ", "Київська", "القاهرة", "الإسكندرية", "서울", "부산", "Αθήνα", "Θεσσαλονίκη",
           "मुंबई", "मुबई", "תל אביב", "ירושלים", "Tbilisi", "თბილისი", "Ærø", "Łódź", "Lodz-Ost"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_name_in_any_script_keeps_its_letters(name):
    key = name_key(name)
    assert key and key == key_part(name)
    assert any(ch.isalpha() for ch in key)


def test_distinct_names_in_any_script_get_distinct_keys():
    keys = [name_key(name) for name in SCRIPTS]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("a,b", [("Αθήνα", "ΑΘΗΝΑ"), ("Αθήνα", "Αθηνα"), ("Москва", "МОСКВА"), ("Łódź", "lodz"),
                                 ("ﬁnland", "Finland"), ("Straße", "STRASSE"), ("東京", "東京 ")])
def test_spelling_differences_fold_in_any_script(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("name", ["***", "—", " ", "(…)", "- / -"])
def test_a_name_without_letters_or_digits_is_a_parse_error(name):
    assert name_key(name) == ""
    with pytest.raises(ParseError, match="no letter or digit"):
        key_part(name)


@pytest.mark.parametrize("name", ["Washington, D.C.", "St John's", "Brighton & Hove", "  Tel Aviv - Yafo ",
                                  "snake_case_name", "A.B.C.", "CAVERNAGO", "Reggio nell'Emilia", "x`y", "---",
                                  "Donostia / San Sebastian", "Durban (eThekwini)", "Ustka (Double)", "\tLa\nPaz"])
def test_the_ascii_fast_path_folds_like_the_unicode_path(name):
    from kit import text

    assert text._fold(name) == text._fold_unicode(name)
