"""glocal plot: figures one can publish, for one capture and for many, and figures that say what
the store lacks. The drawn figure is inspected (its lines, points, legend and texts), and the file
written is checked by its format and mode."""

import os
import sqlite3

import pytest
from click.testing import CliRunner

from cli.main import cli
from kit.items import CountClaim, Instrument, Signature, as_record
from research import plots
from store import open_db
from tests.research.conftest import CLEAN_AIR, ingest

ONE_CAPTURE = "test_pledges/one-capture"
NOWHERE = "test_pledges/nowhere"


def glocal(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def add_instrument(db_path, key, title, names, *, now="2026-11-10T09:00:00Z", stated=None):
    """An instrument captured once, with its list of signatories and, optionally, a stated count."""
    db = open_db(db_path)
    instrument = as_record(Instrument(source="test_pledges", key=key, url=f"https://pledges.example.org/{key}",
                                      title=title, kind="pledge", issuer="Test network"))
    ingest(db, "test_pledges", "instrument", f"test_pledges/{key}/record", [instrument], now=now, keys=False)
    if names:
        signatures = [as_record(Signature(source="test_pledges", key=f"{key}/{n.lower()}", instrument_key=key,
                                          url=f"https://pledges.example.org/{key}", actor_name=n, country=c))
                      for n, c in names]
        ingest(db, "test_pledges", "signature", f"signatures:{key}", signatures, now=now)
    if stated is not None:
        claim = as_record(CountClaim(source="test_pledges", key=f"{key}/count", subject_key=key, count=stated,
                                     unit="cities", url=f"https://pledges.example.org/{key}"))
        from store.ingest import record_count_claims
        from store.runs import start_run

        record_count_claims(db, start_run(db, spider="test_pledges", now=now), [claim], now=now)
    db.close()


@pytest.fixture
def figures_store(store_copy):
    add_instrument(store_copy, ONE_CAPTURE, "Pledge $100m for #1 $ cities", [("Durban", "ZA")], stated=3)
    add_instrument(store_copy, NOWHERE, "A pledge of unknown places", [("Xqzzyville", None), ("Plonkton Magna", None)])
    return store_copy


def drawn(draw, db_path, key):
    db = open_db(db_path)
    try:
        return draw(db, key)
    finally:
        db.close()


def texts(fig) -> str:
    every = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        every += [t.get_text() for t in ax.texts] + [ax.get_title(loc="left")]
        legend = ax.get_legend()
        if legend:
            every += [t.get_text() for t in legend.get_texts()]
    return "\n".join(every)


def test_one_capture_draws_a_point_and_both_series_in_the_legend(figures_store):
    fig, missing = drawn(plots.draw_instrument, figures_store, ONE_CAPTURE)
    ax = fig.axes[0]
    observed = [line for line in ax.get_lines() if line.get_label().startswith("signatories observed")]
    assert len(observed) == 1 and observed[0].get_marker() == "o"
    assert list(observed[0].get_ydata()) == [1]  # one capture, one visible point
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["signatories observed in the list (one capture)", "count stated on the site"]
    assert missing is None


def test_many_captures_draw_the_list_and_say_where_the_data_came_from(research_store):
    fig, missing = drawn(plots.draw_instrument, research_store, CLEAN_AIR)
    observed = [line for line in fig.axes[0].get_lines() if line.get_label() == "signatories observed in the list"]
    assert len(observed[0].get_ydata()) >= 2
    words = texts(fig)
    assert "no count stated on the site" in words or "count stated on the site" in words
    assert "Source: glocal-watch" in words and "captures 2026-11-02 to 2026-11-16 of www.c40.org" in words
    assert "replayed from web archives" not in words  # the other sources were ingested live


def test_an_instrument_without_capture_gives_a_figure_that_says_so(research_store):
    fig, missing = drawn(plots.draw_instrument, research_store, "uclg/durban-political-declaration")
    assert missing == "no list of signatories and no stated count captured"
    assert "no stated count captured for uclg/durban-political-declaration" in " ".join(texts(fig).split())


def test_a_dollar_in_a_scraped_title_is_plain_text(figures_store, tmp_path):
    # matplotlib's mathtext would read "$100m for #1 $" as a formula and fail on the "#".
    result = glocal("plot", ONE_CAPTURE, "-o", tmp_path / "one.png", "--db", figures_store)
    assert result.exit_code == 0, result.output
    fig, _ = drawn(plots.draw_instrument, figures_store, ONE_CAPTURE)
    assert "Pledge $100m for #1 $ cities" in texts(fig)


@pytest.mark.parametrize("name,magic", [("chart.png", b"\x89PNG"), ("chart.svg", b"<?xml"), ("chart.pdf", b"%PDF")])
def test_every_format_is_written_readable_by_others(research_store, tmp_path, name, magic):
    target = tmp_path / name
    result = glocal("plot", "clean-air-cities", "-o", target, "--db", research_store)
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(magic)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # 0644 under the usual umask, not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_the_same_store_draws_the_same_pdf_and_svg(research_store, tmp_path):
    for name in ("a.pdf", "b.pdf", "a.svg", "b.svg"):
        assert glocal("plot", "overlap", "-o", tmp_path / name, "--db", research_store).exit_code == 0
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_map_places_signatories_and_marks_the_removed(research_store, tmp_path):
    fig, missing = drawn(plots.draw_map, research_store, CLEAN_AIR)
    ax = fig.axes[0]
    current, removed = ax.collections[-2], ax.collections[-1]
    assert len(current.get_offsets()) >= 30 and len(removed.get_offsets()) == 1  # Amman left the list
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("signatory (") and legend[1] == "removed from the list (1)"
    amman = sqlite3.connect(research_store).execute("select geonames_id from actors where name = 'Amman'").fetchone()
    assert amman[0] is not None
    lon, lat = removed.get_offsets()[0]
    assert 35 < lon < 37 and 31 < lat < 33  # Amman, Jordan
    result = glocal("plot", "map", "clean-air-cities", "-o", tmp_path / "map.png", "--db", research_store)
    assert result.exit_code == 0 and (tmp_path / "map.png").read_bytes().startswith(b"\x89PNG")


def test_map_of_signatories_without_coordinates_says_so(figures_store, tmp_path):
    fig, missing = drawn(plots.draw_map, figures_store, NOWHERE)
    assert missing == "no signatory has coordinates"
    words = texts(fig)
    assert "None of the 2 signatories has coordinates" in " ".join(words.split()) and "Xqzzyville" in words
    result = glocal("plot", "map", NOWHERE, "-o", tmp_path / "map.svg", "--db", figures_store)
    assert result.exit_code == 0 and "the figure says: no signatory has coordinates" in result.output


def test_map_of_one_signatory_and_of_none(figures_store):
    fig, missing = drawn(plots.draw_map, figures_store, ONE_CAPTURE)
    assert missing is None and len(fig.axes[0].collections[-1].get_offsets()) == 1
    fig, missing = drawn(plots.draw_map, figures_store, "uclg/durban-political-declaration")
    assert missing == "no signatory captured" and "nothing to place on the map" in texts(fig)


@pytest.mark.parametrize("args,message", [
    (["plot", "map", "-o", "map.png"], "name the instrument to map"),
    (["plot", "overlap", "extra", "-o", "x.png"], "only `glocal plot map INSTRUMENT` takes two words"),
    (["plot", "clean-air-cities", "-o", "chart.jpg"], "give a .png, .svg or .pdf"),
])
def test_plot_bad_words(research_store, args, message):
    result = glocal(*args, "--db", research_store)
    assert result.exit_code != 0 and message in result.output


def test_map_of_a_treatys_states_says_it_places_cities_not_countries(sample_store):
    # The Kyoto Protocol's 194 participants are states: no GeoNames point is theirs to draw, and the
    # figure says so instead of blaming a place the resolver could not find.
    fig, missing = drawn(plots.draw_map, sample_store, "untc_status/XXVII-7-a")
    assert missing == "the signatories are states, which the map does not place"
    words = " ".join(texts(fig).split())
    assert "The 194 signatories are states (or organizations of states)" in words and "States, not placed: Afghanistan" in words
