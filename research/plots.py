"""Charts for researchers (matplotlib, no display needed): an instrument's signatories over time,
and how the networks' members overlap."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kit.errors import GlocalError

FORMATS = (".png", ".svg")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    import matplotlib.pyplot as plt

    return plt


def _checked_output(output: str) -> Path:
    path = Path(output)
    if path.suffix.lower() not in FORMATS:
        raise GlocalError(f"{output}: give a .png or .svg file name")
    if not path.parent.is_dir():
        raise GlocalError(f"cannot write {output}: no folder {path.parent}")
    return path


def _save(fig, path: Path) -> Path:
    import os
    import tempfile

    plt = _pyplot()
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
        os.close(handle)
        fig.savefig(temp, format=path.suffix[1:].lower(), dpi=150, bbox_inches="tight")
        os.replace(temp, path)
    except OSError as error:
        raise GlocalError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        plt.close(fig)
    return path


def instrument_chart(db, instrument: str, output: str) -> Path:
    """Observed signatories over time (a step line from the change log) and the stated counts (points)."""
    from store.signings import instrument_title
    from store.queries import instrument_key, run

    path = _checked_output(output)
    key = instrument_key(db, instrument)
    title = instrument_title(db, key)
    rows = run(db, "count_history", instrument=key)
    observed = [(date.fromisoformat(r["day"]), r["observed"]) for r in rows if r["observed"] is not None]
    stated = [(date.fromisoformat(r["day"]), r["stated"], r["stated_by"]) for r in rows if r["stated"] is not None]
    if not observed and not stated:
        raise GlocalError(f"{key}: no observations yet, nothing to draw")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if observed:
        days, counts = zip(*observed)
        ax.step(days, counts, where="post", color="#1f77b4", linewidth=2,
                label="signatories observed (distinct; list and news)")
        ax.annotate(f"{counts[-1]}", (days[-1], counts[-1]), textcoords="offset points", xytext=(6, 0),
                    va="center", color="#1f77b4")
    if stated:
        days, counts, _sources = zip(*stated)
        ax.scatter(days, counts, color="#d62728", zorder=3, s=40, label="count stated on the site")
        for day, count in zip(days, counts):
            ax.annotate(f"{count}", (day, count), textcoords="offset points", xytext=(6, 6), color="#d62728")
    import matplotlib.dates as mdates
    from datetime import timedelta

    every_day = [d for d, _ in observed] + [d for d, _, _ in stated]
    ax.set_xlim(min(every_day) - timedelta(days=3), max(every_day) + timedelta(days=7))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_title(title, loc="left", fontsize=12)
    ax.set_ylabel("signatories")
    ax.set_xlabel("capture date")
    highest = max([c for _, c in observed] + [c for _, c, _ in stated])
    ax.set_ylim(bottom=0, top=highest * 1.2 + 1)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="lower right", frameon=False)
    fig.text(0.01, -0.05, f"{key} · observed = running count of the list as captured; "
                          "stated = the page's own number", fontsize=8, color="#555555")
    return _save(fig, path)


def overlap_chart(db, output: str) -> Path:
    """A matrix of networks: each cell is how many actors belong to both (the diagonal: its size)."""
    from store.queries import overlap_matrix

    path = _checked_output(output)
    names, matrix = overlap_matrix(db)
    if not names:
        raise GlocalError("no memberships or signatures yet, nothing to draw")
    plt = _pyplot()
    size = max(4.0, 1.1 * len(names) + 2)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    import numpy as np

    overlaps = np.array(matrix, dtype=float)
    np.fill_diagonal(overlaps, np.nan)  # a network's size would drown the overlaps in colour
    cmap = plt.get_cmap("Blues").with_extremes(bad="#e6e6e6")
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
    from matplotlib.ticker import MaxNLocator

    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    ax.set_xlabel("belonging = member, or signatory of an instrument the network issued; grey = the network's size",
                  fontsize=8, color="#555555", labelpad=8)

    return _save(fig, path)
