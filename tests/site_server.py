"""Real HTTP servers on 127.0.0.1 standing in for the sites and services the crawler talks to.

`LocalServer` is what they share: a threading HTTP server on a port the system picks (so tests
run in parallel), in a daemon thread, started and stopped by `with`. On it:

- `SiteServer`, a site: each path answers from a list of scripted responses, one per request
  (the last one repeats), so a test can say "500, then 200" or "429 with Retry-After: 1, then the
  page". Every request is recorded with its headers and time, so tests can check what the crawler
  sent and when. tests/faults/site.py's FaultySite answers the same way with worse replies;
  `SteppedSite` holds chosen pages until the test lets them answer.
- `ArchiveServer`, a web archive speaking the Wayback protocol: a CDX API and `id_` captures.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


# How often an idle server looks whether `shutdown()` was asked: http.server's default, 0.5 s, made
# every `with` of a server end half a second late (on hundreds of servers a run).
SHUTDOWN_POLL = 0.02


class LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1, port 0, serving from a daemon thread; every GET goes to
    `self._answer(handler)`."""

    def __init__(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server._answer(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL},
                                       daemon=True)

    @property
    def address(self) -> str:
        host, port = self.httpd.server_address
        return f"{host}:{port}"

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- a site ------------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=lambda: {"Content-Type": "text/html; charset=UTF-8"})
    delay: float = 0.0
    etag: bool = True  # send an ETag and answer 304 to a matching If-None-Match


@dataclass
class Seen:
    path: str
    headers: dict
    at: float
    status: int = 0
    query: str = ""


class SiteServer(LocalServer):
    # What a reply that cannot be written means: the crawler gave up on it (a timeout, a limit).
    gave_up = (BrokenPipeError, ConnectionResetError)

    def __init__(self):
        super().__init__()
        self.routes: dict[str, list[Answer]] = {}
        self.served: dict[str, int] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()

    def route(self, path: str, *answers: Answer) -> None:
        self.routes[path] = list(answers)

    def requests_for(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        """Record the request, then send the path's next scripted answer (None: not found)."""
        path = handler.path.split("?")[0]
        seen = Seen(path=path, headers={k.lower(): v for k, v in handler.headers.items()}, at=time.monotonic(),
                    query=handler.path.partition("?")[2])
        if handler.path in self.routes:  # a route may name a query too: "/members?page=2"
            path = handler.path
        with self._lock:
            self.requests.append(seen)
            answers = self.routes.get(path)
            index = self.served.get(path, 0)
            self.served[path] = index + 1
        try:
            self._send(handler, seen, answers[min(index, len(answers) - 1)] if answers else None)
        except self.gave_up:
            pass

    def _send(self, handler: BaseHTTPRequestHandler, seen: Seen, answer: Answer | None) -> None:
        if answer is None:
            seen.status = 404
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if self._send_head(handler, seen, answer, len(answer.body)):
            handler.wfile.write(answer.body)  # a crawler that gave up on a slow answer: see gave_up

    def _send_head(self, handler: BaseHTTPRequestHandler, seen: Seen, answer, length: int) -> bool:
        """After `answer.delay`, its status and headers with an ETag and `Content-Length: length`;
        False when a matching If-None-Match was answered 304 instead (no body follows)."""
        if answer.delay:
            time.sleep(answer.delay)
        etag = '"' + hashlib.sha1(answer.body).hexdigest()[:16] + '"'
        if answer.etag and answer.status == 200 and seen.headers.get("if-none-match") == etag:
            seen.status = 304
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return False
        seen.status = answer.status
        handler.send_response(answer.status)
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        if answer.etag and answer.status == 200:
            handler.send_header("ETag", etag)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        return True


class SteppedSite(SiteServer):
    """A site whose `stepped` paths answer only as the test gives steps (`step()`: one answer each,
    whichever request waits), until `unstep()` lets every page answer at once. A crawl then goes as
    fast as it can and is where the test wants it when the test acts (kills it, deletes its store):
    no delay per page, which a loaded machine may outlast and which costs its seconds every run."""

    def __init__(self, stepped: set[str]):
        super().__init__()
        self.stepped, self._steps = set(stepped), threading.Semaphore(0)

    def step(self) -> None:
        self._steps.release()

    def unstep(self) -> None:
        self.stepped = set()
        self._steps.release(1000)  # the requests waiting now answer too

    def _send_head(self, handler: BaseHTTPRequestHandler, seen: Seen, answer, length: int) -> bool:
        if seen.path in self.stepped:
            self._steps.acquire(timeout=120)  # a ceiling: a test that failed before unstep() ends anyway
        return super()._send_head(handler, seen, answer, length)


# --- a web archive -----------------------------------------------------------------------------------

CDX_FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


class ArchiveServer(LocalServer):
    """Holds captures given by the test ({url: [(timestamp, body), ...]}), answers
    `/cdx/search/cdx?url=U&output=json...` with the JSON rows the real API sends (a header row,
    then one row per capture) and `/web/{timestamp}id_/{url}` with the capture's bytes. `answers`
    scripts odd replies (not JSON, an error page, a redirect) per request path; every request is
    recorded so tests can check what was asked, and how often."""

    def __init__(self, captures: dict[str, list[tuple[str, bytes]]]):
        super().__init__()
        self.captures = captures
        self.answers: dict[str, tuple[int, dict, bytes]] = {}  # path+query -> scripted (status, headers, body)
        self.once: dict[str, list[tuple[int, dict, bytes]]] = {}  # path (no query) -> answers used once each, first
        self.requests: list[str] = []

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
        pending = self.once.get(urlsplit(handler.path).path)
        if pending:
            return self._send(handler, *pending.pop(0))
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
