"""The words `glocal signatories` and `glocal instruments` print for signings and their counts:
every count is of signings (distinct signatories), printed beside what the sites stated."""

from __future__ import annotations


def stated_words(stated: list[dict]) -> str:
    """"the page states 104 local and regional governments" (each page's latest count, per unit)."""
    if not stated:
        return ""
    return "the page states " + ", ".join(s["words"] for s in stated)


def count_line(summary: dict) -> str:
    """One instrument's counts: observed signings, stated counts, and why a list could not be read.

    "38 signatories (35 on the list, 3 named only by news)"; for a treaty "194 on the list: 192
    parties, 1 signatory only, 1 withdrawn (84 signed); the UN states 192 parties, 83 signatories"
    (the UN's "signatories" are the states that signed, whatever followed); for a page
    without a list "0 listed; the page states 104 local and regional governments; list not published".
    """
    parts = []
    if summary.get("treaty"):
        parts.append(f"{summary['listed']} on the list: {summary['parties']} parties, "
                     f"{summary['signatory_only']} signatory only, {summary['withdrawn']} withdrawn "
                     f"({summary['signed']} signed)")
    elif summary["news_only"] and not summary["listed"]:
        parts.append(f"{summary['signatories']} signatories, all named only by news (no list crawled)")
    elif summary["news_only"]:
        parts.append(f"{summary['signatories']} signatories ({summary['listed']} on the list, "
                     f"{summary['news_only']} named only by news)")
    elif summary["signatories"] or not (summary["stated"] or summary["list_note"]):
        parts.append(f"{summary['signatories']} signatories")
    else:
        parts.append("0 listed")
    stated = stated_words(summary["stated"])
    if stated:
        parts.append(stated.replace("the page states", "the UN states") if summary.get("treaty") else stated)
    if summary.get("list_note"):
        parts.append(summary["list_note"])
    return "; ".join(parts)


def signing_line(row: dict) -> str:
    """One signing: who, where, its standing (a treaty's in the treaty's words), dates and sources."""
    who = f"{row['actor'] or row['name_as_published']}, {row['country'] or '??'}"
    bits = [who]
    if row.get("treaty_standing"):
        bits.append(row["treaty_standing"])
    if row.get("on_list"):
        bits.append(f"on the list since {(row.get('listed_since') or row['first_seen_at'])[:10]}")
    else:
        bits.append(f"first seen {row['first_seen_at'][:10]}")
    treaty = bool(row.get("treaty_standing"))
    if row.get("signed_on") and not (treaty and row.get("status") == "signatory"):  # its standing says so
        source = f" ({row['signed_on_source']})" if row.get("signed_on_source") and not treaty else ""
        bits.append(f"signed {row['signed_on']}{source}")
    if row.get("network_member") == 0:
        bits.append("(non-member)")
    if row.get("name_as_published") and row["name_as_published"] != row.get("actor"):
        bits.append(f"[as published: {row['name_as_published']}]")
    return "  ".join(bits)
