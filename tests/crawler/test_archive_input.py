"""Archives we are handed: a cut plain WARC, a record of the wrong length, a meta.json pointing
outside its folder. Each is refused in one line before anything is written."""

import io
import json

import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive import ArchiveIndex, pages_from_fixtures
from cli.main import cli
from kit.errors import ArchiveError

PAGES = [(f"https://www.c40.org/accelerators/page-{n}/", f"<html><body><p>page {n}</p></body></html>" * 20)
         for n in range(4)]


def plain_warc(path) -> bytes:
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=False)
        for url, html in PAGES:
            body = html.encode()
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body),
                http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")))
    return path.read_bytes()


def test_a_whole_plain_warc_is_read(tmp_path):
    plain_warc(tmp_path / "a.warc")
    assert len(ArchiveIndex.load(tmp_path / "a.warc").entries) == 4


@pytest.mark.parametrize("cut", [1, 2, 3, 4, 60, 500])
def test_a_plain_warc_cut_anywhere_near_its_end_is_refused(tmp_path, cut):
    data = plain_warc(tmp_path / "a.warc")
    (tmp_path / "cut.warc").write_bytes(data[:-cut])
    with pytest.raises(ArchiveError, match="truncated"):
        ArchiveIndex.load(tmp_path / "cut.warc")


def test_every_cut_of_a_plain_warc_between_records_boundaries_is_refused(tmp_path):
    data = plain_warc(tmp_path / "a.warc")
    starts = {i for i in range(len(data)) if data.startswith(b"WARC/1.0\r\n", i)}
    accepted = []
    for cut in range(200, len(data), 97):
        (tmp_path / "cut.warc").write_bytes(data[:cut])
        try:
            ArchiveIndex.load(tmp_path / "cut.warc")
            accepted.append(cut)
        except ArchiveError:
            pass
    # only a cut exactly where a record starts leaves a valid, shorter WARC (nothing can tell it)
    assert set(accepted) <= starts


def test_a_record_longer_than_it_declares_is_one_line_not_library_warnings(tmp_path, capfd):
    data = plain_warc(tmp_path / "a.warc")
    first = data.index(b"Content-Length: ", data.index(b"WARC-Type: response"))
    end = data.index(b"\r\n", first)
    length = int(data[first + 16:end])
    (tmp_path / "bad.warc").write_bytes(data[:first] + f"Content-Length: {length - 30}".encode() + data[end:])
    with pytest.raises(ArchiveError, match="longer or shorter than it declares"):
        ArchiveIndex.load(tmp_path / "bad.warc")
    assert capfd.readouterr().err == ""


def test_replaying_a_file_that_is_not_a_warc_prints_one_line(tmp_path):
    (tmp_path / "page.warc").write_bytes(b"\x1b[2J\x07not a warc at all\n" + bytes(range(256)) * 8)
    result = CliRunner().invoke(cli, ["crawl", "c40_accelerators", "--replay", str(tmp_path / "page.warc"),
                                      "--db", str(tmp_path / "glocal.db")])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "not a readable WARC file" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert not (tmp_path / "glocal.db").exists()


def fixture_folder(tmp_path, entries: dict):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "page.html").write_text("<html><body>ok</body></html>")
    (tmp_path / "secret.txt").write_text("SECRET")
    meta = {name: {"url": f"https://example.org/{n}", "fetched_at": "2026-11-02T08:00:00Z"}
            for n, name in enumerate(entries)}
    (folder / "meta.json").write_text(json.dumps(meta))
    return folder


@pytest.mark.parametrize("name", ["../secret.txt", "/etc/hostname", "sub/../../secret.txt", "link.html"])
def test_build_archive_refuses_files_outside_its_folder(tmp_path, name):
    folder = fixture_folder(tmp_path, {"page.html": 1, name: 1})
    (folder / "link.html").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(ArchiveError, match="outside"):
        pages_from_fixtures(folder)
    result = CliRunner().invoke(cli, ["build-archive", str(folder), "-o", str(tmp_path / "out.warc.gz")])
    assert result.exit_code == 1 and "outside" in result.output
    assert not (tmp_path / "out.warc.gz").exists()


def test_build_archive_still_packs_files_inside_its_folder(tmp_path):
    folder = fixture_folder(tmp_path, {"page.html": 1})
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.html").write_text("<html></html>")
    meta = json.loads((folder / "meta.json").read_text())
    meta["sub/inner.html"] = {"url": "https://example.org/inner", "fetched_at": "2026-11-02T08:00:00Z"}
    (folder / "meta.json").write_text(json.dumps(meta))
    assert sorted(p.url for p in pages_from_fixtures(folder)) == ["https://example.org/0", "https://example.org/inner"]
