"""What a CDX answer means (operations/wayback.py): pure, no server."""

import json

import pytest

from kit.errors import BackfillError
from operations.wayback import (Capture, capture_url, cdx_query, iso_of, latest_before, parse_cdx, read_cdx,
                                timestamp_of)

URL = "https://www.c40.org/accelerators/clean-air-cities/"
HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def answer(*timestamps, status="200"):
    return json.dumps([HEADER] + [["org,c40)/x", ts, URL, "text/html", status, f"D{ts}", "100"] for ts in timestamps])


def test_rows_become_captures_oldest_first():
    captures = parse_cdx(answer("20210101000000", "20190101000000"), URL)
    assert [c.timestamp for c in captures] == ["20190101000000", "20210101000000"]
    assert captures[0].digest == "D20190101000000"
    assert captures[0].captured_at == "2019-01-01T00:00:00Z"


@pytest.mark.parametrize("empty", ["", "  \n", "[]"])
def test_an_empty_answer_is_no_capture(empty):
    assert parse_cdx(empty, URL) == []


@pytest.mark.parametrize(("body", "says"), [
    ("<html><body>Wayback Machine is down</body></html>", "not JSON"),
    ('{"error": "blocked"}', "not a list of rows"),
    (json.dumps([["urlkey", "original"], ["x", URL]]), "no timestamp column"),
])
def test_an_answer_that_is_not_history_is_refused(body, says):
    with pytest.raises(BackfillError, match=says):
        parse_cdx(body, URL)


def test_rows_other_than_200_are_ignored_even_if_the_archive_ignores_the_filter():
    assert parse_cdx(answer("20190101000000", status="302"), URL) == []


def test_the_query_names_url_json_200s_and_distinct_digests():
    query = cdx_query("https://web.archive.org/cdx/search/cdx", URL, since="2019", until="2020-06-30")
    assert query.startswith("https://web.archive.org/cdx/search/cdx?url=https%3A%2F%2Fwww.c40.org")
    for part in ("output=json", "filter=statuscode%3A200", "collapse=digest", "from=20190101", "to=20200630235959"):
        assert part in query


def test_the_capture_url_is_the_original_bytes_form():
    capture = Capture(URL, "20190101000000", None, 200, None)
    assert capture_url("https://web.archive.org/web/", capture) == \
        "https://web.archive.org/web/20190101000000id_/https://www.c40.org/accelerators/clean-air-cities/"


def test_latest_before_picks_the_capture_in_force():
    captures = parse_cdx(answer("20190101000000", "20200101000000"), URL)
    assert latest_before(captures, "2019-12-31T23:59:59Z").timestamp == "20190101000000"
    assert latest_before(captures, "2020-01-01T00:00:00Z").timestamp == "20200101000000"
    assert latest_before(captures, "2018-12-31") is None


def test_timestamps_and_iso_round_trip():
    assert timestamp_of(iso_of("20200315083012")) == "20200315083012"
    assert timestamp_of("2020-03-15") == "20200315000000"


def listing(body: str):
    import io

    return read_cdx(io.BytesIO(body.encode()), URL)


@pytest.mark.parametrize(("timestamp", "reason"), [
    ("20991231000000", "dated in the future"), ("20261399999999", "malformed timestamp"),
    ("2019", "malformed timestamp"), ("20190230120000", "malformed timestamp"), ("00000101000000", "malformed timestamp"),
])
def test_a_bad_row_is_refused_and_counted_and_the_others_kept(timestamp, reason):
    found = listing(answer("20190101000000", timestamp, "20210101000000"))
    assert [c.timestamp for c in found.captures] == ["20190101000000", "20210101000000"]
    assert found.refused == {reason: 1}
    assert reason in found.refusals() and timestamp in found.refusals()


def test_a_row_of_the_wrong_width_is_refused_and_counted():
    body = json.dumps([HEADER, ["x", "20190101000000", URL], ["x", "20200101000000", URL, "text/html", "200", "D", "1"]])
    found = listing(body)
    assert [c.timestamp for c in found.captures] == ["20200101000000"] and found.refused == {"malformed row": 1}


def test_a_capture_an_hour_ahead_of_this_clock_is_kept_a_week_ahead_is_not():
    from datetime import datetime, timedelta, timezone

    soon = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y%m%d%H%M%S")
    later = (datetime.now(timezone.utc) + timedelta(days=7)).strftime("%Y%m%d%H%M%S")
    found = listing(answer(soon, later))
    assert [c.timestamp for c in found.captures] == [soon] and found.refused == {"dated in the future": 1}


def test_a_huge_answer_is_read_row_by_row_in_bounded_memory():
    import io
    import tracemalloc

    rows = 60_000  # the same few hundred timestamps over and over: a long answer, few distinct captures
    body = ("[" + json.dumps(HEADER) + "".join(
        f',\n["x", "201901{i % 28 + 1:02d}{i % 24:02d}0000", "{URL}", "text/html", "200", "D{i % 7}", "1"]'
        for i in range(rows)) + "]").encode()
    tracemalloc.start()
    found = read_cdx(io.BytesIO(body), URL)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert found.captures and not found.refused
    assert len(found.captures) == 168  # the distinct (day, hour) pairs: lcm(28, 24)
    assert peak < len(body) / 4  # json.loads of the whole answer peaked at several times the body


def test_more_captures_than_the_cap_is_one_clear_refusal(monkeypatch):
    import operations.wayback as wayback

    monkeypatch.setattr(wayback, "MAX_CAPTURES", 2)
    with pytest.raises(BackfillError, match="more than 2 distinct captures"):
        listing(answer("20190101000000", "20200101000000", "20210101000000"))


@pytest.mark.parametrize("body", ['[["urlkey", "timestamp"], ["x", "2019', '[["urlkey", "timestamp"] ["x"]]'])
def test_an_answer_cut_short_or_broken_midway_is_one_clear_line(body):
    with pytest.raises(BackfillError, match="not JSON"):
        listing(body)
