"""Is a response the site, or a wall in front of it? (bot protection, challenge pages)

Pure: status, headers and body in, a reason in words out. Used by `glocal check` to call a 403
"blocked by Cloudflare's challenge" rather than "page failed", so an operator knows that
fixing the parser will not help.
"""

from __future__ import annotations

import re

# Headers that name the protection in front of a site.
_VENDOR_HEADERS = (
    ("cf-mitigated", None, "Cloudflare"),
    ("cf-ray", None, "Cloudflare"),
    ("x-datadome", None, "DataDome"),
    ("x-sucuri-id", None, "Sucuri"),
    ("x-iinfo", None, "Imperva Incapsula"),
    ("server", re.compile(r"cloudflare", re.I), "Cloudflare"),
    ("server", re.compile(r"AkamaiGHost", re.I), "Akamai"),
    ("server", re.compile(r"DDoS-Guard", re.I), "DDoS-Guard"),
)
# Words challenge and block pages print; looked for in the first part of the body only.
_CHALLENGE_TEXT = re.compile(
    r"just a moment\.\.\.|checking your browser|cf-chl|challenge-platform|attention required!|"
    r"verify you are (a )?human|are you a robot|captcha|ddos protection by|access denied|"
    r"request unsuccessful\. incapsula|pardon our interruption|please enable (javascript and )?cookies",
    re.I,
)
# Imperva Incapsula (in front of climateaction.unfccc.int) answers with an iframe to its resource,
# sets its cookies and names itself; a page about anything else has no reason to print these. Looked
# for after the words above, so a page they already name is described as before.
_INCAPSULA_TEXT = re.compile(r"_incapsula_resource|visid_incap|incap_ses|request unsuccessful|\bincapsula\b|"
                             r"\bimperva\b", re.I)
_BLOCKING_STATUSES = {401, 403, 406, 429, 503}


def protection(headers: dict[str, str]) -> str | None:
    """The bot-protection vendor the headers name, if any."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, pattern, vendor in _VENDOR_HEADERS:
        value = lowered.get(name)
        if value is not None and (pattern is None or pattern.search(value)):
            return vendor
    return None


def challenge_in(body: bytes | str) -> str | None:
    """The words that make a body a challenge or block page (looked for in its first 20,000
    characters), or None. Body only: a parser that expected JSON or XML uses it to say what came instead."""
    if isinstance(body, bytes):
        body = body[:20000].decode("utf-8", "replace")
    body = body[:20000]
    match = _CHALLENGE_TEXT.search(body) or _INCAPSULA_TEXT.search(body)
    return match.group(0) if match else None


def blocking_reason(status: int, headers: dict[str, str], body: bytes | str) -> str | None:
    """Why this response is a block or a challenge rather than the page, or None.

    A challenge may come with 200 (a JavaScript check) or with 403/429/503; a plain 403 without
    any sign of a challenge is still reported, as "forbidden", since a crawler cannot pass it either.
    """
    if isinstance(body, bytes):
        body = body[:20000].decode("utf-8", "replace")
    else:
        body = body[:20000]
    vendor = protection(headers)
    challenge = challenge_in(body)
    by = f" by {vendor}" if vendor else ""
    if challenge and (status in _BLOCKING_STATUSES or len(body) < 15000):
        return f"HTTP {status}: a challenge page{by} (it says {challenge!r})"
    if status in _BLOCKING_STATUSES and (vendor or status in (401, 403)):
        return f"HTTP {status}: forbidden{by}"
    return None
