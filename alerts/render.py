"""Messages people want to read, from change facts, escaped for each channel.

Scraped text is data: in email HTML it is HTML-escaped; on Slack it goes into plain_text
objects where possible and, where Slack parses mrkdwn (links, the fallback text), `&`, `<` and
`>` are escaped (so `<!channel>`, `<@U123>` and `<url|text>` stay text) and the formatting
characters `* _ ~ \\`` are defused with a zero-width space.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

from kit.terminal import for_terminal

_SLACK_SECTION = 2900  # characters per Slack section (the limit is 3000)
_SLACK_MAX_GROUPS = 40  # sections per digest message (Slack allows 50 blocks)


@dataclass
class Line:
    label: str
    value: str
    url: str | None = None


@dataclass
class Item:
    """One change, written out: a headline and the facts under it."""

    headline: str
    lines: list[Line] = field(default_factory=list)
    group: tuple[str, str] = ("", "")  # (source, instrument) a digest groups by


@dataclass
class Message:
    subject: str
    text: str
    html: str
    slack: dict  # the webhook payload: {"text": fallback, "blocks": [...]}


def describe(fact: dict, *, datasette_url: str | None = None) -> Item:
    kind, diff = fact["kind"], fact.get("diff") or {}
    actor = fact.get("actor") or fact.get("actor_name") or fact["entity_key"]
    instrument = fact.get("instrument_title") or fact.get("instrument_key") or ""
    issuer = fact.get("issuer")
    of_instrument = f"the {instrument}" + (f" ({issuer})" if issuer and issuer not in instrument else "")
    lines: list[Line] = []
    if kind == "signature.added":
        headline = f"{actor} signed {of_instrument}"
    elif kind == "signature.removed":
        headline = f"{actor} is no longer listed as a signatory of {of_instrument}"
    elif kind == "signature.restored":
        headline = f"{actor} is listed again as a signatory of {of_instrument}"
    elif kind == "membership.added":
        headline = f"{actor} joined {instrument}"
    elif kind == "membership.removed":
        headline = f"{actor} is no longer listed as a member of {instrument}"
    elif kind == "instrument.added":
        headline = f"New: {fact.get('title') or instrument}" + (f" ({issuer})" if issuer else "")
    elif kind == "event.added":
        headline = f"New event: {fact.get('title') or fact['entity_key']}"
    elif kind == "announcement.added":
        headline = f"News: {fact.get('title') or fact['entity_key']}"
    elif kind == "report.added":
        by = fact.get("actor") or fact.get("actor_name")
        headline = f"New report: {fact.get('title') or fact['entity_key']}" + (f" ({by})" if by else "")
    elif kind == "health.failed":
        what = "is stale" if diff.get("kind") == "stale" else "went blind"
        headline = f"Spider {fact['entity_key']} {what}"
        lines.append(Line("Why", diff.get("reason") or "unknown"))
    elif kind == "health.recovered":
        headline = f"Spider {fact['entity_key']} recovered"
        if diff.get("since"):
            lines.append(Line("Failing since", diff["since"]))
    elif kind == "count_claim.updated":
        count = diff.get("count")
        headline = f"{fact.get('instrument_key')}: the page now states {fact.get('qualifier') or ''} " \
                   f"{fact.get('count')} {fact.get('unit') or ''}".replace("  ", " ")
        if isinstance(count, list):
            lines.append(Line("Before", str(count[0])))
    else:
        label = fact.get("title") or (actor if fact["entity"] in ("signature", "membership") else fact["entity_key"])
        headline = f"{fact['entity'].capitalize()} {fact['change']}: {label}"
        for name, values in sorted(diff.items()):
            if isinstance(values, list) and len(values) == 2:
                lines.append(Line(name, f"{values[0]} -> {values[1]}"))
    if fact["entity"] in ("signature", "membership"):
        city = actor + (f", {fact['country']}" if fact.get("country") else "")
        lines.insert(0, Line("City", city))
        if fact.get("actor_name") and fact.get("actor") and fact["actor_name"] != fact["actor"]:
            lines.insert(1, Line("As published", fact["actor_name"]))
    if kind == "signature.added":
        signed = fact.get("signed_on")
        said = fact.get("signed_on_source")
        lines.append(Line("Signed on", f"{signed} (per {said})" if signed and said else signed or "not given by any source"))
        if signed and fact.get("signed_on_url") and fact.get("signed_on_url") != (fact.get("url") or fact.get("page_url")):
            lines.append(Line("Date from", fact["signed_on_url"], url=fact["signed_on_url"]))
    for name, label in (("adopted_on", "Adopted on"), ("starts_on", "Starts on"), ("ends_on", "Ends on"),
                        ("city", "Where"), ("published_on", "Published on")):
        if fact.get(name):
            lines.append(Line(label, str(fact[name])))
    if kind.endswith(".removed") and diff.get("missing_since"):
        lines.append(Line("Missing since", diff["missing_since"]))
    if not fact["entity"] == "health":
        lines.append(Line("First seen" if kind.endswith(".added") else "Seen", _when(fact.get("observed_at"))))
        lines.append(Line("Source", fact.get("source") or "?"))
    page = fact.get("url") or fact.get("page_url")
    if page:
        lines.append(Line("Page", page, url=page))
    if fact.get("page_id"):
        lines.append(Line("Archived copy", f"glocal show-page {fact['page_id']}"
                          + (f" (captured {_when(fact.get('page_fetched_at'))})" if fact.get("page_fetched_at") else "")))
        if datasette_url:
            link = f"{datasette_url.rstrip('/')}/pages/{fact['page_id']}"
            lines.append(Line("Page record", link, url=link))
    return Item(headline=headline, lines=lines,
                group=(fact.get("source") or "", instrument if fact["entity"] in ("signature", "membership") else ""))


def single(fact: dict, *, datasette_url: str | None = None) -> Message:
    item = describe(fact, datasette_url=datasette_url)
    text = item.headline + "\n\n" + "\n".join(f"{line.label}: {line.value}" for line in item.lines) + "\n"
    body = "".join(f"<tr><th align=\"left\">{_h(line.label)}</th><td>{_html_value(line)}</td></tr>"
                   for line in item.lines)
    page = f"<html><body><h2>{_h(item.headline)}</h2><table>{body}</table></body></html>"
    blocks = [
        {"type": "section", "text": {"type": "plain_text", "text": _clip(item.headline, _SLACK_SECTION)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(
            "\n".join(f"*{line.label}:* {_slack_value(line)}" for line in item.lines), _SLACK_SECTION)}},
    ]
    return Message(subject=_subject(item.headline), text=text, html=page,
                   slack={"text": slack_escape(item.headline), "blocks": blocks})


def digest(facts_: list[dict], *, title: str, datasette_url: str | None = None) -> Message:
    """One message for many changes, grouped by source and then by instrument."""
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for fact in facts_:
        item = describe(fact, datasette_url=datasette_url)
        groups[item.group].append(item)
    ordered = sorted(groups.items())
    heading = f"{title}: {len(facts_)} change{'s' if len(facts_) != 1 else ''}"
    text_parts, html_parts, blocks = [heading, ""], [f"<html><body><h2>{_h(heading)}</h2>"], [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(heading, 150)}}]
    for index, ((source, instrument), items) in enumerate(ordered):
        name = " / ".join(part for part in (source, instrument) if part) or "other"
        text_parts.append(f"== {name} ({len(items)}) ==")
        html_parts.append(f"<h3>{_h(name)} ({len(items)})</h3><ul>")
        for item in items:
            page = next((line.value for line in item.lines if line.label == "Page"), None)
            text_parts.append(f"- {item.headline}" + (f"  <{page}>" if page else ""))
            html_parts.append(f"<li>{_h(item.headline)}" + (f" (<a href=\"{_h(page)}\">page</a>)" if page else "")
                              + "</li>")
        text_parts.append("")
        html_parts.append("</ul>")
        if index < _SLACK_MAX_GROUPS:
            blocks.append(_slack_group(name, items))
    if len(ordered) > _SLACK_MAX_GROUPS:
        rest = sum(len(items) for _, items in ordered[_SLACK_MAX_GROUPS:])
        blocks.append({"type": "section", "text": {"type": "plain_text", "text":
                       f"... and {rest} more changes in {len(ordered) - _SLACK_MAX_GROUPS} more groups "
                       "(glocal changes lists them all)"}})
    html_parts.append("</body></html>")
    return Message(subject=_subject(heading), text="\n".join(text_parts), html="".join(html_parts),
                   slack={"text": slack_escape(heading), "blocks": blocks})


def _slack_group(name: str, items: list[Item]) -> dict:
    lines, used = [f"*{slack_escape(name)}* ({len(items)})"], 0
    for shown, item in enumerate(items):
        line = "- " + slack_escape(item.headline)
        if used + len(line) > _SLACK_SECTION - 200:
            lines.append(f"... and {len(items) - shown} more")
            break
        lines.append(line)
        used += len(line) + 1
    return {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}


# --- escaping -------------------------------------------------------------------------------------

# A formatting character can open or close Slack formatting unless it sits inside a word
# ("c40_accelerators" is safe as it is); elsewhere a zero-width space on each side defuses it.
_SLACK_FORMATTING = re.compile(r"(?<![0-9A-Za-z])([*_~`])|([*_~`])(?![0-9A-Za-z])")


def slack_escape(text: str) -> str:
    """Scraped text for a Slack mrkdwn field: control sequences and formatting made inert."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SLACK_FORMATTING.sub(lambda match: f"\u200b{match.group(0)}\u200b", text)


def _slack_value(line: Line) -> str:
    if line.url and line.url.startswith(("https://", "http://")):
        # Slack's link syntax is <url|label>: the URL must not close it early or add a label.
        url = quote(line.url, safe=":/?#[]@!$&()*+,;=%~.-_").replace("&", "&amp;")  # Slack's own escape
        label = slack_escape(_clip(line.value, 200)).replace("|", "\u2223")  # one separator per link
        return f"<{url}|{label}>"
    return slack_escape(line.value)


def _html_value(line: Line) -> str:
    if line.url and line.url.startswith(("https://", "http://")):
        return f"<a href=\"{_h(line.url)}\">{_h(line.value)}</a>"
    return _h(line.value)


def _h(text) -> str:
    return html.escape(str(text), quote=True)


def _subject(text: str) -> str:
    # No newline can reach a mail header, and no other control character either: a mail client
    # or a terminal showing the header (mutt, a log) would obey an ESC or a bidi override.
    return _clip(for_terminal(re.sub(r"\s+", " ", text).strip()), 200)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _when(moment: str | None) -> str:
    if not moment:
        return "unknown"
    return moment.replace("T", " ").replace("Z", " UTC")
