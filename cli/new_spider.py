"""`glocal new-spider SLUG URL [--from FILE]`: options and output only; the scaffold itself is
operations/scaffold.py."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="new-spider")
@click.argument("slug")
@click.argument("url")
@click.option("--from", "page", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A saved copy of the page at URL: becomes the first fixture.")
def new_spider(slug, url, page):
    """Scaffold a new source: spider, parser, fixture folder, failing test, docs stub

    Writes spiders/SLUG.py, spiders/parsers/SLUG.py (routes, scopes, landmarks, expectations),
    tests/fixtures/SLUG/ (meta.json, and the saved page given with --from), a field-by-field
    tests/spiders/test_SLUG.py that fails until its FILL_IN values are read off the page and
    then crawls the spider over the saved page, and a section in docs/sources.md. Nothing is
    overwritten; a refused name or URL writes nothing. Next steps: docs/adding-a-source.md.

    Example:

    \b
        glocal new-spider uclg_declarations https://www.uclg.org/en/declarations --from page.html
    """
    from operations.scaffold import project_root, scaffold

    root = project_root(Path.cwd())
    for path in scaffold(root, slug, url, page):
        click.echo(f"wrote {path.relative_to(root)}")
    click.echo(f"next: fill in tests/spiders/test_{slug}.py, then run "
               f".venv/bin/python -m pytest -q tests/spiders/test_{slug}.py")
