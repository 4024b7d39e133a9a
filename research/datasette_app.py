"""`glocal serve`: the store in Datasette, read-only, on 127.0.0.1, described and with the named
queries as canned queries."""

from __future__ import annotations

import socket
from pathlib import Path

from kit.errors import GlocalError

HOST = "127.0.0.1"  # researchers' own machine; publishing is a separate, deliberate step
SIGNING_FACETS = ("instrument_title", "standing", "country")


def metadata(db_name: str) -> dict:
    """Titles, descriptions of every documented table and column, sources, licence, canned queries."""
    from research.exports import schema_descriptions
    from store.queries import QUERIES

    docs = schema_descriptions()
    tables = {
        name: {"description_html": prose_html(info["prose"]),
               "columns": {column: meaning for column, (_kind, meaning) in info["columns"].items()}}
        for name, info in docs.items() if info["columns"]
    }
    # Counts a researcher reads off a facet are of signings (one actor x one instrument), never of
    # the evidence rows that report them: the `signings` view opens with its facets.
    tables.setdefault("signings", {})["facets"] = list(SIGNING_FACETS)
    # sqlite-utils' bookkeeping is no part of the interface, and Datasette's SQL box starts with the
    # first table it lists: hidden, it is neither listed first nor offered as the default query.
    tables.setdefault("_sqlite_migrations", {})["hidden"] = True
    queries = {
        # The SQL one click away ("show"), as the column descriptions are: the form and rows come first.
        q.name: {"title": q.title, "description": q.description, "sql": q.sql.strip(), "hide_sql": True}
        for q in QUERIES.values()
    }
    return {
        "title": "glocal-watch",
        "description": "Declarations, charters and pledges that cities sign through their networks, "
                       "with signatories, memberships, events and the history of every change.",
        "license": "Facts as published by the sources; see each site's terms",
        "source": "glocal-watch crawls (C40, UCLG, Covenant of Mayors, UN sites); provenance in pages and changes",
        "databases": {db_name: {"tables": tables, "queries": queries}},
    }


def prose_html(markdown: str) -> str:
    """schema.md's words about a table as HTML for its page: paragraphs and "- " lists, with
    **bold**, *emphasis*, `code` and [links](...) as text, so a table page shows neither raw Markdown nor a
    sentence cut before the list it introduces."""
    import html
    import re

    def inline(text: str) -> str:
        text = html.escape(" ".join(text.split()), quote=False)
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
        text = re.sub(r"(?<![*\w])\*([^*]+)\*(?![*\w])", r"<em>\1</em>", text)
        text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
        return re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)

    blocks = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        items = re.split(r"^- ", block, flags=re.M)
        if len(items) > 1 and not items[0].strip():
            blocks.append("<ul>" + "".join(f"<li>{inline(item)}</li>" for item in items[1:]) + "</ul>")
        elif block.strip():
            blocks.append(f"<p>{inline(block)}</p>")
    return "".join(blocks)


TEMPLATES = Path(__file__).parent / "templates"


def register_pages() -> None:
    """Add research/web.py's pages (front page, map, charts) to Datasette's plugins, once."""
    from datasette.plugins import pm

    from research import web

    if not pm.is_registered(web):
        pm.register(web, name="glocal_pages")


def app(path: str | Path):
    """The Datasette ASGI app over the store at `path`, opened read-only, with glocal-watch's pages."""
    from datasette.app import Datasette

    register_pages()
    path = Path(path)
    return Datasette(
        files=[str(path)],
        metadata=metadata(path.stem),
        template_dir=str(TEMPLATES),
        settings={"allow_download": False, "default_page_size": 100},
    )


def listening_socket(port: int) -> socket.socket:
    """A socket bound on 127.0.0.1 (port 0: any free one); a port in use is one clear line."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise GlocalError(f"cannot serve on {HOST}:{port}: {error.strerror or error} "
                          "(another server is there; choose another --port)") from None
    return sock


def run(path: str | Path, port: int) -> None:
    import uvicorn

    sock = listening_socket(port)
    datasette = app(path)
    server = uvicorn.Server(uvicorn.Config(datasette.app(), log_level="warning"))
    print(f"serving {path} read-only at http://{HOST}:{sock.getsockname()[1]}/", flush=True)
    server.run(sockets=[sock])
