"""kit/bot_walls.py is the one challenge detector: `glocal check` reads responses with it, and
unfccc_gcap's parser says with it what came instead of JSON."""

import pytest

from kit.bot_walls import blocking_reason, challenge_in
from kit.errors import ParseError
from spiders.parsers import unfccc_gcap as parser
from tests.helpers import FIXTURES

INCAPSULA = (FIXTURES / "unfccc_gcap" / "challenge.html").read_text(encoding="utf-8")
# Incapsula's other answer: an iframe to its resource and its cookie, no "Request unsuccessful" line.
INCAPSULA_IFRAME = ('<html><head><script>document.cookie="visid_incap_123=abc"</script></head><body>'
                    '<iframe src="/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3"></iframe>'
                    '</body></html>')
CLOUDFLARE = ('<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>'
              '<div id="challenge-platform">Checking your browser</div></body></html>')
ORDINARY = "<html><body><h1>Cooperative initiatives</h1><p>Cities take up the climate challenge.</p></body></html>"


def test_an_incapsula_page_is_a_challenge_for_glocal_check_as_before():
    assert blocking_reason(200, {}, INCAPSULA) == "HTTP 200: a challenge page (it says 'Request unsuccessful. Incapsula')"


def test_incapsulas_iframe_answer_is_a_challenge_too():
    # Caught by the spider's own detector before, missed by blocking.py: now both see it.
    assert challenge_in(INCAPSULA_IFRAME) == "visid_incap"  # the first sign in the page
    assert blocking_reason(403, {}, INCAPSULA_IFRAME) == "HTTP 403: a challenge page (it says 'visid_incap')"


def test_an_ordinary_page_about_a_challenge_is_no_challenge():
    assert challenge_in(ORDINARY) is None
    assert blocking_reason(200, {}, ORDINARY) is None


@pytest.mark.parametrize("body,kind", [
    (INCAPSULA, "an anti-bot challenge page (Imperva/Incapsula)"),
    (INCAPSULA_IFRAME, "an anti-bot challenge page (Imperva/Incapsula)"),
    # Caught by blocking.py, missed by the spider's own detector before.
    (CLOUDFLARE, "an anti-bot challenge page (it says 'Just a moment...')"),
    (ORDINARY, "an HTML page"),
])
def test_the_gcap_parser_says_what_came_instead_of_json(body, kind):
    with pytest.raises(ParseError) as error:
        parser.parse_initiatives(body, parser.INITIATIVES_URL)
    assert str(error.value) == f"unfccc_gcap: {parser.INITIATIVES_URL} answered {kind} instead of JSON"
    assert error.value.landmarks == ("json",)
