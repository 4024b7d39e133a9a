"""Crawling on Scrapyd nodes: build the project's egg, deploy it, schedule a spider there.

The first step beyond one machine (docs/scale-out.md): the same spiders, pipeline and store code
run as a Scrapyd job, so crawls can fan out to several nodes while the store keeps one writer.
Scrapyd's own HTTP API (addversion.json, schedule.json, listjobs.json) is all it takes; this
module speaks it with urllib, so the project needs no client package.
"""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path

from kit import __version__
from kit.errors import GlocalError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kit", "crawler", "spiders", "scheduler", "store", "places", "alerts", "research", "operations", "cli")
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # zip entries carry no build time: the same code makes the same egg


def build_egg(version: str | None = None) -> bytes:
    """The project as a Scrapy egg: its packages (with their data files) and an entry point naming
    `crawler.settings`, which is how Scrapyd finds the project's settings."""
    version = version or __version__
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as egg:
        for package in PACKAGES:
            for path in sorted((ROOT / package).rglob("*")):
                if path.is_dir() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
                    continue
                egg.writestr(zipfile.ZipInfo(path.relative_to(ROOT).as_posix(), _FIXED_TIME), path.read_bytes())
        for name, text in (
            ("PKG-INFO", f"Metadata-Version: 1.1\nName: glocal-watch\nVersion: {version}\n"),
            ("entry_points.txt", "[scrapy]\nsettings = crawler.settings\n"),
            ("top_level.txt", "\n".join(PACKAGES) + "\n"),
            ("zip-safe", ""),
        ):
            egg.writestr(zipfile.ZipInfo(f"EGG-INFO/{name}", _FIXED_TIME), text)
    return buffer.getvalue()


def deploy(url: str, *, project: str, version: str, egg: bytes) -> dict:
    """Upload `egg` as `version` of `project` to the Scrapyd at `url`; returns Scrapyd's answer."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in (("project", project), ("version", version)):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="{project}.egg"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + egg + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return _call(url, "addversion.json", b"".join(parts), f"multipart/form-data; boundary={boundary}")


def schedule(url: str, *, project: str, spider: str, settings: dict | None = None) -> str:
    """Start `spider` on the Scrapyd at `url` with these settings (Scrapy's `-s NAME=VALUE`); the job id."""
    fields = [("project", project), ("spider", spider)]
    for name, value in (settings or {}).items():
        text = value if isinstance(value, str) else json.dumps(value)
        fields.append(("setting", f"{name}={text}"))
    answer = _call(url, "schedule.json", urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")
    return answer["jobid"]


def job_state(url: str, *, project: str, job: str) -> str:
    """'pending', 'running', 'finished' or 'unknown' for a job of `project`."""
    answer = _call(url, f"listjobs.json?{urllib.parse.urlencode({'project': project})}")
    for state in ("pending", "running", "finished"):
        if any(entry.get("id") == job for entry in answer.get(state, [])):
            return state
    return "unknown"


def wait_for(url: str, *, project: str, job: str, timeout: float, poll: float = 0.5) -> str:
    """Wait until the job finished (or `timeout` seconds passed); its last state."""
    deadline = time.monotonic() + timeout
    state = "unknown"
    while time.monotonic() < deadline:
        state = job_state(url, project=project, job=job)
        if state == "finished":
            return state
        time.sleep(poll)
    return state


def _call(url: str, endpoint: str, body: bytes | None = None, content_type: str | None = None) -> dict:
    request = urllib.request.Request(f"{url.rstrip('/')}/{endpoint}", data=body,
                                     headers={"Content-Type": content_type} if content_type else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (the URL is the operator's)
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise GlocalError(f"Scrapyd at {url} answered HTTP {error.code} to {endpoint.split('?')[0]}") from None
    except (urllib.error.URLError, OSError) as error:
        raise GlocalError(f"cannot reach Scrapyd at {url}: {getattr(error, 'reason', error)}") from None
    except ValueError:
        raise GlocalError(f"Scrapyd at {url} did not answer JSON to {endpoint.split('?')[0]}") from None
    if answer.get("status") != "ok":
        raise GlocalError(f"Scrapyd at {url} refused {endpoint.split('?')[0]}: {answer.get('message', answer)}")
    return answer
