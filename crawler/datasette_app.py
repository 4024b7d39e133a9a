"""`glocal serve`: the store in Datasette, read-only, on 127.0.0.1, described and with the named
queries as canned queries."""

from __future__ import annotations

import socket
from pathlib import Path

from crawler.errors import GlocalError

HOST = "127.0.0.1"  # researchers' own machine; publishing is a separate, deliberate step


def metadata(db_name: str) -> dict:
    """Titles, descriptions of every documented table and column, sources, licence, canned queries."""
    from crawler.research_files import schema_descriptions
    from store.queries import QUERIES

    docs = schema_descriptions()
    tables = {
        name: {"description": info["description"],
               "columns": {column: meaning for column, (_kind, meaning) in info["columns"].items()}}
        for name, info in docs.items() if info["columns"]
    }
    queries = {
        q.name: {"title": q.title, "description": q.description, "sql": q.sql.strip()}
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


def app(path: str | Path):
    """The Datasette ASGI app over the store at `path`, opened read-only."""
    from datasette.app import Datasette

    path = Path(path)
    return Datasette(
        files=[str(path)],
        metadata=metadata(path.stem),
        settings={"allow_download": False, "default_page_size": 100},
    )


def check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise GlocalError(f"cannot serve on {HOST}:{port}: {error.strerror or error} "
                              "(another server is there; choose another --port)") from None


def run(path: str | Path, port: int) -> None:
    import uvicorn

    check_port_free(port)
    datasette = app(path)
    print(f"serving {path} read-only at http://{HOST}:{port}/", flush=True)
    uvicorn.run(datasette.app(), host=HOST, port=port, log_level="warning")
