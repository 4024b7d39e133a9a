"""A response's bytes beat a lying single-byte label; a name key does not depend on the decoding
(issue 20, item 3). The crawl-level trials are in tests/faults/trials.py (site faults)."""

import pytest
from scrapy.http import HtmlResponse

from crawler.middlewares import CharsetMiddleware
from kit.text import name_key, undo_mojibake

NAMES = ["Medellín", "São Paulo", "Zürich", "Kraków", "Łódź", "Hội An", "İzmir", "Montréal"]
BODY = ("<html><head>{meta}</head><body><p>" + ", ".join(NAMES) + "</p></body></html>")


def response(body: bytes, content_type: str) -> HtmlResponse:
    return HtmlResponse("https://www.c40.org/x/", body=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize(("meta", "content_type", "prefix"), [
    ("", "text/html; charset=iso-8859-1", b""),
    ('<meta charset="windows-1252">', "text/html", b""),
    ('<meta http-equiv="Content-Type" content="text/html; charset=latin1">', "text/html", b""),
    ('<meta charset="windows-1252">', "text/html; charset=windows-1252", b"\xef\xbb\xbf"),
    ("", "text/html; charset=koi8-r", b""),
])
def test_utf8_bytes_beat_a_single_byte_label(meta, content_type, prefix):
    got = CharsetMiddleware().process_response(None, response(prefix + BODY.format(meta=meta).encode(), content_type))
    assert all(name in got.text for name in NAMES)


def test_a_real_single_byte_page_keeps_its_label():
    body = BODY.format(meta="").replace("Łódź", "Lodz").replace("Hội An", "Hoi An").replace("İzmir", "Izmir")
    got = CharsetMiddleware().process_response(None, response(body.encode("cp1252"), "text/html; charset=windows-1252"))
    assert "Medellín" in got.text and "São Paulo" in got.text


def test_a_multi_byte_label_is_left_alone():
    body = "<html><body>東京都, 大阪市</body></html>".encode("shift_jis")
    got = CharsetMiddleware().process_response(None, response(body, "text/html; charset=shift_jis"))
    assert "東京都" in got.text


@pytest.mark.parametrize("name", NAMES + ["Bogotá", "Москва", "北京市", "Ærøskøbing", "Straße"])
@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_a_name_read_with_the_wrong_codec_keeps_its_key(name, codec):
    misread = name.encode("utf-8").decode(codec, "replace")
    if "\ufffd" in misread:
        pytest.skip("a byte the codec cannot decode is lost for good; the middleware prevents that read")
    assert name_key(misread) == name_key(name)
    assert undo_mojibake(name) == name
