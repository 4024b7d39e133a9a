"""crawler.archive: WARC files we write, read back, and refuse when they are broken."""

import gzip
import hashlib

import pytest

from crawler.archive import ArchiveIndex, ArchivedResponse, WarcFile, build_archive, payload_digest, read_record
from kit.errors import ArchiveError
from tests.helpers import saved_pages

PAGES = [
    ArchivedResponse("https://example.org/a/", 200, [("Content-Type", "text/html"), ("ETag", '"v1"')],
                     "<html><body>Bogotá</body></html>".encode(), "2026-11-02T08:15:00Z"),
    ArchivedResponse("https://example.org/b/", 500, [("Content-Type", "text/html")], b"error",
                     "2026-11-02T08:15:05Z"),
]


@pytest.fixture
def archive(tmp_path):
    return build_archive(PAGES, tmp_path / "a.warc.gz")


def test_index_lists_every_response(archive):
    index = ArchiveIndex.load(archive)
    assert sorted(index.entries) == ["https://example.org/a/", "https://example.org/b/"]


def test_a_record_reads_back_byte_for_byte(archive):
    page = ArchiveIndex.load(archive).read("https://example.org/a/")
    assert page.body == PAGES[0].body
    assert page.status == 200
    assert page.header("etag") == '"v1"'
    assert page.fetched_at == "2026-11-02T08:15:00Z"


def test_read_record_by_offset(archive):
    entry = ArchiveIndex.load(archive).latest("https://example.org/b/")
    assert read_record(archive, entry.offset).status == 500


def test_the_same_pages_give_the_same_bytes(tmp_path):
    a = build_archive(PAGES, tmp_path / "x.warc.gz").read_bytes()
    b = build_archive(list(reversed(PAGES)), tmp_path / "x.warc.gz").read_bytes()
    assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest()


def test_latest_capture_wins(tmp_path):
    older = ArchivedResponse("https://example.org/a/", 200, [], b"old", "2026-11-01T00:00:00Z")
    newer = ArchivedResponse("https://example.org/a/", 200, [], b"new", "2026-11-09T00:00:00Z")
    path = build_archive([newer, older], tmp_path / "w.warc.gz")
    assert ArchiveIndex.load(path).read("https://example.org/a/").body == b"new"


def test_a_not_modified_revisit_resolves_to_the_archived_body(tmp_path):
    warc = WarcFile(tmp_path / "live.warc.gz")
    warc.write_response("https://example.org/a/", 200, [("ETag", '"v1"')], b"body", "2026-11-01T00:00:00Z")
    warc.write_not_modified("https://example.org/a/", [("ETag", '"v1"')], "2026-11-09T00:00:00Z",
                            original_date="2026-11-01T00:00:00Z", digest=payload_digest(b"body"))
    warc.close()
    page = ArchiveIndex.load(tmp_path / "live.warc.gz").read("https://example.org/a/")
    assert page.body == b"body"
    assert page.fetched_at == "2026-11-09T00:00:00Z"  # still valid at the later capture


@pytest.mark.parametrize("cut", [1, 30, 300])
def test_a_truncated_gzip_archive_is_refused(archive, tmp_path, cut):
    data = archive.read_bytes()
    broken = tmp_path / "cut.warc.gz"
    broken.write_bytes(data[:-cut])
    with pytest.raises(ArchiveError, match="truncated|malformed or cut short"):
        ArchiveIndex.load(broken)


def test_a_truncated_plain_archive_is_refused(archive, tmp_path):
    broken = tmp_path / "cut.warc"
    broken.write_bytes(gzip.decompress(archive.read_bytes())[:-100])
    with pytest.raises(ArchiveError, match=f"{broken.name} is (not a readable WARC file|truncated)"):
        ArchiveIndex.load(broken)


@pytest.mark.parametrize("content,message", [
    (b"<html>not an archive</html>", "not a readable WARC file"),
    (b"", "holds no HTTP responses"),
    (b"\x1f\x8b\x08\x00garbage", "truncated|not a readable"),
])
def test_what_is_not_a_warc_is_refused(tmp_path, content, message):
    path = tmp_path / "bad.warc.gz"
    path.write_bytes(content)
    with pytest.raises(ArchiveError, match=message):
        ArchiveIndex.load(path)


def test_a_missing_archive_is_named(tmp_path):
    with pytest.raises(ArchiveError, match="does not exist"):
        ArchiveIndex.load(tmp_path / "nope.warc.gz")


def test_fixture_pages_carry_their_url_and_capture_time():
    (page,) = saved_pages("c40_accelerators", ["hub.html"])
    assert page.url == "https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/"
    assert page.fetched_at == "2026-11-02T08:15:00Z"
    assert page.header("Content-Type") == "text/html; charset=UTF-8"
