"""Scraped text on a terminal: control characters made visible, never obeyed.

A page can carry escape sequences (clear screen, colours, OSC titles and hyperlinks, BEL) or
bidirectional overrides that reorder what a reader sees. The store keeps text as the site sent
it (it is evidence); everything the CLI prints passes through `for_terminal`, and JSON output
through `json_text`, so such characters arrive as harmless escapes like ``\\x1b``.
"""

from __future__ import annotations

import json

# C0 controls, DEL and C1 controls (0x9b is a one-byte CSI on many terminals), and the bidi
# embeddings, overrides and isolates (Trojan-Source style reordering).
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0)]
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]

_VISIBLE = {code: f"\\x{code:02x}" for code in _CONTROLS}
_VISIBLE.update({code: f"\\u{code:04x}" for code in _BIDI})
_VISIBLE[0x09] = " "  # a tab is whitespace, not a command; keep the line readable

_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in (*range(0x7F, 0xA0), *_BIDI)}


def for_terminal(text) -> str:
    """`text` with every control character shown as an escape instead of being sent raw."""
    return str(text).translate(_VISIBLE)


def lines_for_terminal(text) -> str:
    """`text` of several lines (a message preview) with its line breaks kept and every other
    control character shown as an escape, line by line."""
    return "\n".join(for_terminal(line) for line in str(text).split("\n"))


def json_text(value, **options) -> str:
    """JSON of `value` (non-ASCII kept) in which no character can act on a terminal.

    json.dumps already escapes C0 controls; DEL, C1 controls and bidi overrides are escaped here
    as \\uXXXX, which every JSON reader decodes back to the same string.
    """
    return json.dumps(value, ensure_ascii=False, **options).translate(_JSON_ESCAPES)
