"""WARC archives: every live response is kept (provenance), and any archive can be replayed.

Writing uses warcio's record builder; a response is stored as Scrapy's downloader received it
(transfer encoding undone, content encoding kept), so a replay goes through the same
decompression as a live crawl. A 304 is stored as a WARC "revisit" record pointing at the
capture whose body still holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from kit.errors import ArchiveError
from store.clock import iso_utc, parse_moment

# Headers that described the wire framing, not the stored body.
_FRAMING_HEADERS = {"transfer-encoding", "content-length"}


@dataclass
class ArchivedResponse:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: str  # ISO-8601 UTC: the WARC-Date of the capture
    archive: str | None = None
    offset: int | None = None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class ArchiveEntry:
    offset: int
    fetched_at: str
    record_type: str  # "response" or "revisit"
    refers_to: str | None = None  # a revisit's WARC-Refers-To-Date


@dataclass
class ArchiveIndex:
    """The URLs a WARC holds, latest capture last. Built by reading the whole file once, so a
    truncated or malformed archive fails here, before a crawl starts, naming the problem."""

    path: str
    entries: dict[str, list[ArchiveEntry]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> "ArchiveIndex":
        path = Path(path)
        if not path.is_file():
            raise ArchiveError(f"archive {path} does not exist")
        index = cls(str(path))
        last_good = 0
        try:
            _check_gzip_members(path)
            plain = not _is_gzip(path)
            with path.open("rb") as stream, contextlib.redirect_stderr(io.StringIO()):
                records = ArchiveIterator(stream)
                end = 0
                for record in records:
                    if not str(record.format).startswith("warc"):
                        raise ArchiveError(f"archive {path} is not a readable WARC file: its first record "
                                           "reads as an ARC record or as no archive at all")
                    while record.raw_stream.read(1 << 16):
                        pass
                    if getattr(record.raw_stream, "limit", 0) > 0:
                        raise ArchiveError(f"archive {path} is truncated: the record at offset "
                                           f"{records.get_record_offset()} ends before its declared length")
                    records.read_to_end(record)
                    if records.err_count:
                        raise ArchiveError(f"archive {path} is not a readable WARC file: the record before offset "
                                           f"{records.get_record_offset()} is longer or shorter than it declares")
                    end = records.get_record_offset() + records.get_record_length()
                    if plain:
                        _check_record_end(stream, path, end)
                    if record.rec_type not in ("response", "revisit"):
                        continue
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    date = record.rec_headers.get_header("WARC-Date")
                    if not url or not date:
                        raise ArchiveError(f"archive {path} is not a readable WARC file: a {record.rec_type} record "
                                           "lacks its URI or date")
                    if record.http_headers is None:
                        raise ArchiveError(f"archive {path} is not a readable WARC file: the record of {url} "
                                           "has no HTTP headers")
                    last_good = records.get_record_offset()
                    index.entries.setdefault(url, []).append(
                        ArchiveEntry(
                            offset=records.get_record_offset(),
                            fetched_at=iso_utc(parse_moment(date)),
                            record_type=record.rec_type,
                            refers_to=record.rec_headers.get_header("WARC-Refers-To-Date"),
                        )
                    )
            with path.open("rb") as stream:
                stream.seek(end)
                if stream.read().strip(b"\r\n\x00"):
                    # warcio stops quietly at a record cut inside its headers: the bytes left over tell.
                    raise ArchiveError(f"archive {path} is truncated or malformed after offset {end}")
        except ArchiveError:
            raise
        except Exception as error:  # warcio fails on malformed input in many ways; all mean "not a WARC"
            detail = _first_line(error) if "archive format" in str(error) else (
                f"a record after offset {last_good} is malformed or cut short")
            raise ArchiveError(f"archive {path} is not a readable WARC file: {detail}") from None
        if not index.entries:
            raise ArchiveError(f"archive {path} holds no HTTP responses")
        for captures in index.entries.values():
            captures.sort(key=lambda entry: entry.fetched_at)
        return index

    def latest(self, url: str) -> ArchiveEntry | None:
        """The latest capture of `url` with a body (a revisit resolves to the capture it names)."""
        captures = self.entries.get(url)
        if not captures:
            return None
        entry = captures[-1]
        if entry.record_type == "revisit":
            bodies = [c for c in captures if c.record_type == "response"]
            if not bodies:
                return None
            return bodies[-1]
        return entry

    def read(self, url: str) -> ArchivedResponse | None:
        entry = self.latest(url)
        if entry is None:
            return None
        response = read_record(self.path, entry.offset)
        # A revisit ("not modified") means the body was still valid at the later time.
        response.fetched_at = self.entries[url][-1].fetched_at
        return response

    def __contains__(self, url: str) -> bool:
        return self.latest(url) is not None


def read_record(path: str | Path, offset: int) -> ArchivedResponse:
    """The response record at `offset` of the WARC at `path`."""
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream)))
            headers = [(k, v) for k, v in record.http_headers.headers]
            body = record.raw_stream.read()
            return ArchivedResponse(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                status=int(record.http_headers.get_statuscode() or 0),
                headers=headers,
                body=body,
                fetched_at=iso_utc(parse_moment(record.rec_headers.get_header("WARC-Date"))),
                archive=str(path),
                offset=offset,
            )
    except Exception as error:  # see ArchiveIndex.load
        raise ArchiveError(f"cannot read the record at offset {offset} of {path}: {_first_line(error)}") from None


class WarcFile:
    """An append-only gzipped WARC file; `write_*` return the offset of the record written."""

    def __init__(self, path: str | Path, *, info: dict | None = None, created_at: str | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = self.path.open("ab")
        self._writer = WARCWriter(self._stream, gzip=True)
        if self._stream.tell() == 0 and info:
            record = self._writer.create_warcinfo_record(self.path.name, info)
            if created_at:  # a fixed date and id make an archive built from fixtures reproducible
                record.rec_headers.replace_header("WARC-Date", _warc_date(created_at))
                record.rec_headers.replace_header(
                    "WARC-Record-ID", f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.path.name + created_at)}>"
                )
            self._writer.write_record(record)
            self._stream.flush()

    def write_response(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes,
                       fetched_at: str, *, reason: str = "") -> int:
        headers = [(k, v) for k, v in headers if k.lower() not in _FRAMING_HEADERS]
        headers.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(f"{status} {reason or _REASONS.get(status, '')}".strip(), headers,
                                        protocol="HTTP/1.1")
        record = self._writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http_headers,
            warc_headers_dict=_warc_headers(url, fetched_at),
        )
        return self._write(record)

    def write_not_modified(self, url: str, headers: list[tuple[str, str]], fetched_at: str, *,
                           original_date: str, digest: str) -> int:
        http_headers = StatusAndHeaders("304 Not Modified", list(headers), protocol="HTTP/1.1")
        record = self._writer.create_revisit_record(
            url, digest=digest, refers_to_uri=url, refers_to_date=_warc_date(original_date),
            http_headers=http_headers, warc_headers_dict=_warc_headers(url, fetched_at),
        )
        return self._write(record)

    def _write(self, record) -> int:
        offset = self._stream.tell()
        self._writer.write_record(record)
        self._stream.flush()
        return offset

    def close(self) -> None:
        self._stream.close()


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of a body, as warcio writes it (sha1, base32)."""
    import base64

    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def build_archive(pages: list[ArchivedResponse], out: str | Path) -> Path:
    """Write `pages` to a new WARC at `out`, byte for byte reproducible from the same pages."""
    out = Path(out)
    if out.exists():
        out.unlink()
    pages = sorted(pages, key=lambda p: (p.fetched_at, p.url))
    archive = WarcFile(out, info={"software": "glocal-watch", "format": "WARC File Format 1.0",
                                  "description": "built from saved pages"},
                       created_at=pages[0].fetched_at if pages else "1970-01-01T00:00:00Z")
    for page in pages:
        archive.write_response(page.url, page.status, page.headers, page.body, page.fetched_at)
    archive.close()
    return out


def pages_from_fixtures(folder: str | Path, *, only: list[str] | None = None,
                        sample: bool = False) -> list[ArchivedResponse]:
    """Saved pages of a fixture folder, from its meta.json ({file: {url, fetched_at, status, ...}}).

    :param sample: only the pages whose entry says ``"sample": true`` (those the bundled sample
        archive holds; each fixture folder marks its own, so sources never edit a shared list)
    """
    folder = Path(folder)
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ArchiveError(f"cannot read {meta_path}: {_first_line(error)}") from None
    pages = []
    for filename, info in meta.items():
        if only is not None and filename not in only:
            continue
        if sample and not info.get("sample"):
            continue
        _check_inside(folder, filename, meta_path)
        try:
            content_type = info.get("content_type", "text/html; charset=UTF-8")
            pages.append(
                ArchivedResponse(
                    url=info["url"],
                    status=int(info.get("status", 200)),
                    headers=[("Content-Type", content_type)] + [tuple(h) for h in info.get("headers", [])],
                    body=(folder / filename).read_bytes(),
                    fetched_at=iso_utc(parse_moment(info["fetched_at"])),
                )
            )
        except KeyError as missing:
            raise ArchiveError(f"{meta_path}: the entry of {filename} has no {missing}") from None
        except (OSError, ValueError, TypeError) as error:
            raise ArchiveError(f"{meta_path}: the entry of {filename} is unusable: {_first_line(error)}") from None
    if only is not None and len(pages) < len(set(only)):
        unknown = sorted(set(only) - set(meta))
        raise ArchiveError(f"{meta_path} has no entry for {', '.join(unknown)}")
    return pages


def _check_inside(folder: Path, filename: str, meta_path: Path) -> None:
    """Refuse a meta.json entry naming a file outside its folder ("../x", "/etc/passwd", a symlink
    out): an archive must hold only the saved pages it claims to, never whatever a path reaches."""
    if not isinstance(filename, str) or not filename or "\x00" in filename:
        raise ArchiveError(f"{meta_path}: {filename!r} is not a file name")
    root = folder.resolve()
    target = (folder / filename).resolve()
    if Path(filename).is_absolute() or root not in target.parents:
        raise ArchiveError(f"{meta_path}: {filename!r} is outside {folder}; only files inside the folder "
                           "can be archived")


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(2) == b"\x1f\x8b"


def _check_record_end(stream, path: Path, end: int) -> None:
    """In an uncompressed WARC two CRLFs follow every record (WARC 1.0 §4; warcio counts them
    outside the record's length); a file cut inside them would otherwise read as whole records."""
    position = stream.tell()
    stream.seek(end)
    tail = stream.read(4)
    stream.seek(position)
    if tail != b"\r\n\r\n":
        raise ArchiveError(f"archive {path} is truncated: the record ending at offset {end} lacks its closing "
                           "blank lines")


def _check_gzip_members(path: Path) -> None:
    """Fail on a gzipped archive cut short (warcio reads a member without its trailer silently)."""
    with path.open("rb") as stream:
        if stream.read(2) != b"\x1f\x8b":
            return
        stream.seek(0)
        data = stream.read()
    position = 0
    while position < len(data):
        member = zlib.decompressobj(zlib.MAX_WBITS | 16)
        member.decompress(data[position:])
        if not member.eof:
            raise ArchiveError(f"archive {path} is truncated: its gzip member at offset {position} is cut short")
        position = len(data) - len(member.unused_data)
        while position < len(data) and data[position] == 0:
            position += 1  # padding some writers leave between members


def _warc_headers(url: str, fetched_at: str) -> dict:
    # A record id derived from URL and time keeps archives built from fixtures reproducible.
    record_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{url} {fetched_at}")
    return {"WARC-Date": _warc_date(fetched_at), "WARC-Record-ID": f"<urn:uuid:{record_id}>"}


def _warc_date(moment: str) -> str:
    return parse_moment(moment).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 403: "Forbidden",
            404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
