"""`glocal roster FILE --url URL [--stated N [--at-least | --more-than]] [--json]`: what the generic roster reader finds on a page.

The page is read by spiders/parsers/roster_reader.py, the reader a spider falls back on when its
own parser's landmarks are missing, so this is how an operator sees what the fallback would record.
"""

from __future__ import annotations

from pathlib import Path

import click

from kit.errors import GlocalError
from kit.terminal import for_terminal, json_text

REJECTIONS_SHOWN = 8  # the most place-like rejected candidates; --json lists them all


@click.command(name="roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", required=True, help="The URL the page was fetched from (a .json or .csv path reads it as such).")
@click.option("--stated", type=click.IntRange(min=1), default=None,
              help="The count the page states (\"unites 35 cities\"): a list that disagrees is refused.")
@click.option("--at-least", "at_least", is_flag=True, help="The stated count is a lower bound (\"at least N\").")
@click.option("--more-than", "more_than", is_flag=True, help="The stated count is a lower bound (\"more than N\").")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.pass_context
def roster(ctx, file, url, stated, at_least, more_than, as_json):
    """Read the list of places on a saved page without a site parser, and say why

    Prints the list the generic roster reader chose (container, names resolved to places, the
    confidence) and the candidates it rejected, or its refusal and the reason. Exit status 0
    when a list was read, 1 when the reader refused.

    Example:

    \b
        glocal roster tests/fixtures/uclg_declarations/rome-charter.html --url https://uclg.org/rome-charter-2020/ --stated 45
    """
    if at_least and more_than:
        raise click.UsageError("--at-least and --more-than both qualify the stated count: give one")
    if (at_least or more_than) and stated is None:
        raise click.UsageError(f"{'--at-least' if at_least else '--more-than'} qualifies --stated N: give the count too")
    from cli.common import project_settings
    from kit.page_limits import check_page
    from spiders.parsers.roster_reader import read_roster

    try:
        text = Path(file).read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise GlocalError(f"{file} is not UTF-8 text (is it an HTML, JSON or CSV page?)") from None
    settings = project_settings()
    check_page(text, url, max_chars=settings.getint("CRAWL_MAX_PAGE_CHARS"),
               max_depth=settings.getint("CRAWL_MAX_PAGE_DEPTH"))
    reading = read_roster(text, url, stated=stated, qualifier="at least" if at_least else "more than" if more_than else None)
    if as_json:
        click.echo(json_text(as_record(reading), indent=2))
    else:
        for line in report_lines(reading):
            click.echo(for_terminal(line))
    ctx.exit(1 if reading.refused else 0)


def as_record(reading) -> dict:
    chosen = reading.chosen
    return {
        "refused": reading.refused,
        "confidence": round(reading.confidence, 2),
        "reason": reading.reason,
        "stated": reading.stated,
        "container": chosen.where if chosen else None,
        "heading": chosen.heading if chosen else None,
        "how": chosen.how if chosen else None,
        "resolved": chosen.places if chosen else 0,
        "names": [{"name": e.name, "country": e.country} for e in reading.entries],
        "rejected": [{"container": c.where, "heading": c.heading, "names": c.size, "why": c.rejected}
                     for c in reading.rejected],
    }


def report_lines(reading) -> list[str]:
    lines = []
    if reading.refused:
        lines.append(f"Refused (confidence {reading.confidence:.2f}): {reading.reason}")
    else:
        chosen = reading.chosen
        lines.append(f"Read {len(reading.entries)} places (confidence {reading.confidence:.2f}) from {chosen.where}"
                     + (f' under "{chosen.heading}"' if chosen.heading else ""))
        lines.append(f"Why: {reading.reason}")
        lines.extend(f"  {e.name}" + (f" ({e.country})" if e.country else "") for e in reading.entries)
    placey = [c for c in reading.rejected if c.size >= 3 and c.places_share > 0]
    if placey:
        lines.append(f"Rejected ({len(placey)} candidates holding places):")
        lines.extend(f"  - {c.describe()}: {c.rejected}" for c in placey[:REJECTIONS_SHOWN])
    return lines
