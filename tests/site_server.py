"""A real HTTP server on 127.0.0.1 standing in for a site: saved pages, scripted failures, ETags.

Each path answers from a list of scripted responses, one per request (the last one repeats),
so a test can say "500, then 200" or "429 with Retry-After: 1, then the page". Every request is
recorded with its headers and time, so tests can check what the crawler sent and when.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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


class SiteServer:
    def __init__(self):
        self.routes: dict[str, list[Answer]] = {}
        self.served: dict[str, int] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server._answer(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self.httpd.server_address
        return f"{host}:{port}"

    def route(self, path: str, *answers: Answer) -> None:
        self.routes[path] = list(answers)

    def requests_for(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
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
        if not answers:
            seen.status = 404
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        answer = answers[min(index, len(answers) - 1)]
        if answer.delay:
            time.sleep(answer.delay)
        etag = '"' + hashlib.sha1(answer.body).hexdigest()[:16] + '"'
        if answer.etag and answer.status == 200 and seen.headers.get("if-none-match") == etag:
            seen.status = 304
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return
        seen.status = answer.status
        handler.send_response(answer.status)
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        if answer.etag and answer.status == 200:
            handler.send_header("ETag", etag)
        handler.send_header("Content-Length", str(len(answer.body)))
        handler.end_headers()
        try:
            handler.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up on a slow answer

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
