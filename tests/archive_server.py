"""A web archive on 127.0.0.1 speaking the Wayback protocol: a CDX API and `id_` captures.

Holds captures given by the test ({url: [(timestamp, body), ...]}), answers
`/cdx/search/cdx?url=U&output=json...` with the JSON rows the real API sends (a header row,
then one row per capture) and `/web/{timestamp}id_/{url}` with the capture's bytes. `answers`
scripts odd replies (not JSON, an error page, a redirect) per request path; every request is
recorded so tests can check what was asked, and how often.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CDX_FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


class ArchiveServer:
    def __init__(self, captures: dict[str, list[tuple[str, bytes]]]):
        self.captures = captures
        self.answers: dict[str, tuple[int, dict, bytes]] = {}  # path+query -> scripted (status, headers, body)
        self.requests: list[str] = []
        archive = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                archive._answer(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def cdx_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/cdx/search/cdx"

    @property
    def replay_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/web"

    def env(self) -> dict:
        return {"GLOCAL_BACKFILL_CDX_URL": self.cdx_url, "GLOCAL_BACKFILL_REPLAY_URL": self.replay_url,
                "GLOCAL_BACKFILL_DELAY": "0"}

    def cdx_requests(self) -> list[str]:
        return [parse_qs(urlsplit(r).query)["url"][0] for r in self.requests if r.startswith("/cdx/")]

    def capture_requests(self) -> list[str]:
        return [r for r in self.requests if r.startswith("/web/")]

    def _answer(self, handler) -> None:
        self.requests.append(handler.path)
        scripted = self.answers.get(handler.path)
        if scripted is None and handler.path.startswith("/web/"):
            scripted = self.answers.get(handler.path.split("id_/", 1)[-1])
        if scripted:
            return self._send(handler, *scripted)
        parts = urlsplit(handler.path)
        if parts.path == "/cdx/search/cdx":
            query = parse_qs(parts.query)
            url = query["url"][0]
            rows = [CDX_FIELDS] + [
                [url, ts, url, "text/html", "200", hashlib.sha1(body).hexdigest().upper(), str(len(body))]
                for ts, body in sorted(self.captures.get(url, []))
            ]
            body = json.dumps(rows if len(rows) > 1 else []).encode()
            return self._send(handler, 200, {"Content-Type": "application/json"}, body)
        if parts.path.startswith("/web/") and "id_/" in handler.path:
            stamp, original = handler.path[len("/web/"):].split("id_/", 1)
            for ts, body in self.captures.get(original, []):
                if ts == stamp:
                    return self._send(handler, 200, {"Content-Type": "text/html; charset=UTF-8"}, body)
        self._send(handler, 404, {"Content-Type": "text/html"}, b"<html><body>Not in archive</body></html>")

    @staticmethod
    def _send(handler, status, headers, body) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def __enter__(self) -> "ArchiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
