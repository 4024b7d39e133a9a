"""Redesigns of roster pages: the same names, other markup around them.

A site redesign keeps who is on a list and changes everything else: class names, the words of its
headings, a list turned into tiles, a table or cards, names wrapped in links, the list split in
two or moved below the fold among partner logos and news teasers. For structured answers (JSON,
XML, CSV, XLSX) the same at their level: keys renamed, the array moved or nested, columns
reordered or renamed. Each function here takes a page and the names its parser read from it and
returns the redesigned page (or None when the redesign has nothing to act on in that page).

The list is found by its names, not by any parser's selectors: the deepest element holding every
name is its container; each child of it holding one name is an entry. A list printed as one line
of text ("Signatory cities: Accra, Amman, ...") has no entry elements: its entries are the names.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import lxml.etree
import lxml.html

DECOY_PARTNERS = ["Bloomberg Philanthropies", "World Resources Institute", "Open Society Foundations",
                  "ICLEI Europe", "The Rockefeller Foundation"]
DECOY_TEASERS = ["Mayors gather to share heat plans", "New report on clean construction",
                 "Youth forum opens its call for ideas", "Ten years of climate action in numbers"]
HEADING_WORDS = ["Who is on board", "Our community", "Participants", "Meet the network", "Taking part"]


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


@dataclass
class Located:
    """Where the names sit in a page: the container, its entry elements (None: a line of text)."""

    root: lxml.html.HtmlElement
    container: lxml.html.HtmlElement
    entries: list | None  # the child elements of `container` that each hold one name, in order
    texts: list[str]  # each entry as printed (its text), or the names of a line of text
    links: dict[str, str]  # entry text -> the address its link points to, where it is a link (the data of a
    #                        list of links: a redesign keeps it)

    cells: dict[str, list[str]] = field(default_factory=dict)  # a table row's entry -> its cells' markup
    inner: dict[str, str] = field(default_factory=dict)  # an entry element's text -> its content's markup

    def label(self, text: str) -> str:
        """An entry as markup: its content as it was (a heading, a link, a line "City, Country"), a
        row's cells as fields, a name of a line of text inside its link when it had one."""
        if text in self.cells:
            return "".join(f'<span class="field">{cell}</span> ' for cell in self.cells[text])
        if text in self.inner:
            return self.inner[text]
        href = self.links.get(text)
        return f'<a href="{_escape(href)}">{_escape(text)}</a>' if href else _escape(text)

    def row(self, text: str) -> str:
        """An entry as the cells of a table row."""
        return "".join(f"<td>{cell}</td>" for cell in self.cells.get(text, [self.label(text)]))


def _depth(element) -> int:
    return sum(1 for _ in element.iterancestors())


def locate(html: str, names: list[str]) -> Located | None:
    """The list of `names` in `html`, or None when its names are not all found in one place."""
    root = lxml.html.document_fromstring(html)
    wanted = [norm(n) for n in dict.fromkeys(names) if norm(n)]
    if not wanted:
        return None
    holders: dict[int, set[int]] = {}  # id(element) -> indexes of the names some deepest occurrence lies in
    elements = {}
    for index, name in enumerate(wanted):
        deepest = [el for el in root.iter() if isinstance(el.tag, str) and el.tag not in ("script", "style", "head",
                                                                                           "title", "meta")
                   and name in norm(el.text_content())
                   and not any(isinstance(c.tag, str) and name in norm(c.text_content()) for c in el)]
        for el in deepest:
            for ancestor in [el, *el.iterancestors()]:
                holders.setdefault(id(ancestor), set()).add(index)
                elements[id(ancestor)] = ancestor
    most = max((len(found) for found in holders.values()), default=0)
    if most < len(wanted):
        return None
    container = max((elements[key] for key, found in holders.items() if len(found) == most), key=_depth)
    children = [c for c in container if isinstance(c.tag, str)]
    holding = [(c, [n for n in wanted if n in norm(c.text_content())]) for c in children]
    entries = [c for c, found in holding if found]
    if entries and all(len(found) == 1 for _, found in holding if found) and len(entries) >= len(wanted):
        texts = [" ".join(e.text_content().split()) for e in entries]
        links = {text: _href(entry) for text, entry in zip(texts, entries) if _href(entry)}
        cells = {text: [_inner(cell) for cell in entry if isinstance(cell.tag, str)]
                 for text, entry in zip(texts, entries) if entry.tag == "tr"}
        inner = {text: _inner(entry) for text, entry in zip(texts, entries) if entry.tag != "tr"}
        return Located(root, container, entries, texts, links, cells, inner)
    texts = list(dict.fromkeys(names))
    anchors = [a for a in container.iter("a") if a.get("href")]
    links = {}
    for text in texts:
        anchor = next((a for a in anchors if norm(text) in norm(a.text_content())), None)
        if anchor is not None:
            links[text] = anchor.get("href")
    return Located(root, container, None, texts, links)


def _inner(element) -> str:
    """An element's content as markup (its text and children, not its own tag)."""
    return _escape(element.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in element)


def _href(element) -> str | None:
    if element.tag == "a" and element.get("href"):
        return element.get("href")
    anchor = next((a for a in element.iter("a") if a.get("href")), None)
    return anchor.get("href") if anchor is not None else None


def _fragment(html: str):
    return lxml.html.fragment_fromstring(html, create_parent="div")


def _replace(located: Located, new_html: str) -> None:
    """Put `new_html` where the container was (a line of text keeps its lead words before it)."""
    new = _fragment(new_html)
    container = located.container
    if container.tag in ("tbody", "thead") and container.getparent() is not None:
        container = container.getparent()  # a table's rows: the whole table is redesigned
    parent = container.getparent()
    if located.entries is None:
        # The lead ("Signatory cities:") is the text before the first name: it stays, the names go.
        text = container.text_content()
        first = min((text.find(n) for n in located.texts if text.find(n) >= 0), default=0)
        lead = text[:first].strip()
        new.insert(0, _fragment(f"<p>{_escape(lead)}</p>")[0]) if lead else None
    position = parent.index(container)
    tail = container.tail
    parent.remove(container)
    for offset, child in enumerate(list(new)):
        parent.insert(position + offset, child)
    if tail:
        last = parent[position + len(new) - 1] if len(new) else None
        if last is not None:
            last.tail = (last.tail or "") + tail


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", norm(text)).strip("-") or "x"


def _serialise(root) -> str:
    return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


# --- the HTML redesigns ----------------------------------------------------------------------------------

def classes_renamed(html: str, names: list[str]) -> str | None:
    root = lxml.html.document_fromstring(html)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("class", "id"):
            value = element.get(attribute)
            if value:
                element.set(attribute, " ".join("r" + hashlib.sha1(word.encode()).hexdigest()[:6]
                                                for word in value.split()))
    return _serialise(root)


def headings_reworded(html: str, names: list[str]) -> str | None:
    located = locate(html, names)
    if located is None:
        return None
    changed = 0
    for number, heading in enumerate(located.root.iter("h2", "h3", "h4", "h5", "h6")):
        if not any(n.casefold() in norm(heading.text_content()) for n in names):
            for child in list(heading):
                heading.remove(child)
            heading.text = HEADING_WORDS[number % len(HEADING_WORDS)]
            changed += 1
    before = located.container.getprevious()
    if before is not None and len(before.text_content()) < 120 and before.tag not in ("ul", "ol", "table", "div"):
        for child in list(before):
            before.remove(child)
        before.text = HEADING_WORDS[0]
        changed += 1
    return _serialise(located.root) if changed else None


def _rebuild(wrap: Callable[[Located], str]):
    def redesign(html: str, names: list[str]) -> str | None:
        located = locate(html, names)
        if located is None:
            return None
        _replace(located, wrap(located))
        return _serialise(located.root)
    return redesign


def _link(located: Located, text: str) -> str:
    return located.links.get(text) or f"/profiles/{_slug(text)}/"


tiles = _rebuild(lambda at: '<div class="grid">' + "".join(
    f'<div class="tile"><span class="tile__name">{at.label(t)}</span></div>' for t in at.texts) + "</div>")
table = _rebuild(lambda at: "<table><thead><tr><th>Name</th></tr></thead><tbody>" + "".join(
    f"<tr>{at.row(t)}</tr>" for t in at.texts) + "</tbody></table>")
def _linked_entry(at: Located, text: str) -> str:
    """An entry wrapped in a link (an entry holding a link already keeps its own)."""
    if text in at.links and (text in at.inner or text in at.cells):
        return at.label(text)
    return f'<a href="{_escape(_link(at, text))}">{at.label(text) if text in at.inner else _escape(text)}</a>'


linked = _rebuild(lambda at: "<ul>" + "".join(f"<li>{_linked_entry(at, t)}</li>" for t in at.texts) + "</ul>")
cards = _rebuild(lambda at: '<div class="cards">' + "".join(
    f'<article class="card"><div class="card__title">{_linked_entry(at, t)}</div>'
    f'<a class="card__more" href="{_escape(_link(at, t))}">Read more</a></article>' for t in at.texts) + "</div>")


def split_in_two(html: str, names: list[str]) -> str | None:
    located = locate(html, names)
    if located is None or len(located.texts) < 2:
        return None
    half = len(located.texts) // 2
    tag = located.container.tag if located.entries is not None else "ul"
    item = "li" if tag in ("ul", "ol") else ("tr" if tag in ("table", "tbody") else "div")

    def part(texts):
        cells = "".join(f"<tr>{located.row(t)}</tr>" if item == "tr" else f"<{item}>{located.label(t)}</{item}>"
                        for t in texts)
        return f"<{tag}>{cells}</{tag}>" if tag not in ("tbody",) else f"<table><tbody>{cells}</tbody></table>"

    _replace(located, part(located.texts[:half]) + "<h3>More from the list</h3>" + part(located.texts[half:]))
    return _serialise(located.root)


def below_the_fold(html: str, names: list[str]) -> str | None:
    """The list (and the heading before it) moved to the end of the page, after partner logos and
    news teasers."""
    located = locate(html, names)
    if located is None:
        return None
    container = located.container
    body = located.root.find("body")
    if body is None or container is body:
        return None
    heading = container.getprevious()
    moved = [heading, container] if heading is not None and len(heading.text_content()) < 120 else [container]
    decoys = _fragment(
        '<section class="partners"><h2>Our partners</h2><ul>' + "".join(
            f'<li><img src="/logos/{_slug(p)}.png" alt="{p}"><span>{p}</span></li>' for p in DECOY_PARTNERS)
        + '</ul></section><section class="news"><h2>Latest news</h2><ul>' + "".join(
            f'<li><a href="/news/{_slug(t)}/">{t}</a></li>' for t in DECOY_TEASERS) + "</ul></section>")
    for element in moved:
        tail = element.tail
        element.getparent().remove(element)
        element.tail = None
        if tail and tail.strip():
            pass  # text between blocks is not part of the list
    for section in list(decoys):
        body.append(section)
    for element in moved:
        body.append(element)
    return _serialise(located.root)


HTML_REDESIGNS: dict[str, Callable[[str, list[str]], str | None]] = {
    "classes renamed": classes_renamed,
    "headings reworded": headings_reworded,
    "ul to tiles": tiles,
    "ul to table": table,
    "names in links": linked,
    "names in cards": cards,
    "list split in two": split_in_two,
    "below the fold among decoys": below_the_fold,
}


# --- structured answers --------------------------------------------------------------------------------

KEY_SYNONYMS = {"name": "title", "names": "titles", "actorname": "label", "city": "municipality",
                "country": "nation", "id": "identifier", "actors": "participants", "rows": "records",
                "data": "payload", "results": "items", "initiatives": "programmes"}


def _renamed_key(key: str) -> str:
    simple = key.replace("_", "").casefold()
    return KEY_SYNONYMS.get(simple, f"{key}_v2")


def _rename_keys(value):
    if isinstance(value, dict):
        return {_renamed_key(k): _rename_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename_keys(v) for v in value]
    return value


def _arrays_of_names(value, names: set[str], path=()):
    """Paths to the lists of objects in `value` some string of which is one of `names`."""
    if isinstance(value, list):
        if any(isinstance(v, dict) and any(isinstance(x, str) and norm(x) in names for x in v.values()) for v in value):
            yield path
        for index, item in enumerate(value):
            yield from _arrays_of_names(item, names, path + (index,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _arrays_of_names(item, names, path + (key,))


def _get(value, path):
    for step in path:
        value = value[step]
    return value


def _json_redesign(change):
    def redesign(text: str, names: list[str]) -> str | None:
        try:
            data = json.loads(text)
        except ValueError:
            return None
        paths = list(_arrays_of_names(data, {norm(n) for n in names}))
        if not paths:
            return None
        changed = change(data, paths[0])
        return None if changed is None else json.dumps(changed, ensure_ascii=False)
    return redesign


def _nest(data, path):
    if not path:
        return {"data": {"results": data}}
    parent = _get(data, path[:-1])
    parent[path[-1]] = {"results": parent[path[-1]]}
    return data


def _move(data, path):
    if not path or not isinstance(data, dict):
        return None
    array = _get(data, path)
    parent = _get(data, path[:-1])
    del parent[path[-1]]
    data["payload"] = {"list": array}
    return data


JSON_REDESIGNS = {
    "keys renamed": _json_redesign(lambda data, path: _rename_keys(data)),
    "array nested": _json_redesign(_nest),
    "array moved": _json_redesign(_move),
}


def _csv_redesign(change):
    def redesign(text: str, names: list[str]) -> str | None:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else None
        rows = list(csv.reader(io.StringIO(text), dialect)) if dialect else []
        if len(rows) < 2:
            return None
        header, body = change(rows[0], rows[1:])
        out = io.StringIO()
        writer = csv.writer(out, delimiter=dialect.delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(body)
        return out.getvalue()
    return redesign


def _reorder(header, body):
    order = list(reversed(range(len(header))))
    return [header[i] for i in order], [[row[i] if i < len(row) else "" for i in order] for row in body]


def _rename_columns(header, body):
    return [f"{h.strip()} (2026)" if h.strip() else h for h in header], body


CSV_REDESIGNS = {"columns reordered": _csv_redesign(_reorder), "columns renamed": _csv_redesign(_rename_columns)}


def xlsx_redesign(change):
    def redesign(data: bytes, names: list[str]) -> bytes | None:
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - not a workbook: nothing to redesign
            return None
        sheet = book.worksheets[0]
        rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
        if len(rows) < 2:
            return None
        header, body = change([h if h is not None else "" for h in rows[0]], [list(r) for r in rows[1:]])
        sheet.delete_rows(1, sheet.max_row)
        for row in [header, *body]:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    return redesign


XLSX_REDESIGNS = {"columns reordered": xlsx_redesign(_reorder),
                  "columns renamed": xlsx_redesign(lambda h, b: ([f"{x} (2026)" if x else x for x in h], b))}


def _xml_redesign(change):
    def redesign(data: bytes, names: list[str]) -> bytes | None:
        """XML edited as text in its own encoding (the UN's files are Latin-1, with escaped markup in
        their entries that a parse and re-serialisation would not keep byte for byte)."""
        declared = re.search(rb'encoding=["\']([\w-]+)["\']', data[:200])
        encoding = declared.group(1).decode() if declared else "utf-8"
        text = data.decode(encoding)
        rows = _xml_rows(text, names)
        if rows is None:
            return None
        changed = change(text, *rows)
        return None if changed is None else changed.encode(encoding)
    return redesign


def _xml_rows(text: str, names: list[str]) -> tuple[str, str, int] | None:
    """(the row element's tag, its parent's tag, where the first named row is) of the list of `names`."""
    for name in names:
        match = re.search(r"<(\w+)>\s*<(\w+)>\s*" + re.escape(name) + r"\s*</\2>", text)
        if match:
            parent = [m.group(1) for m in re.finditer(r"<(\w+)>", text[:match.start()])
                      if f"</{m.group(1)}>" not in text[m.end():match.start()]]
            return match.group(1), (parent[-1] if parent else ""), match.start()
    return None


def _xml_rename(text: str, row: str, parent: str, at: int) -> str:
    return text.replace(f"<{row}>", f"<{row}Item>").replace(f"</{row}>", f"</{row}Item>")


def _xml_nest(text: str, row: str, parent: str, at: int) -> str | None:
    opening = text.rfind(f"<{parent}>", 0, at)
    closing = text.find(f"</{parent}>", at)
    if not parent or opening < 0 or closing < 0:
        return None
    inside = opening + len(parent) + 2
    return text[:inside] + "<Group>" + text[inside:closing] + "</Group>" + text[closing:]


XML_REDESIGNS = {"elements renamed": _xml_redesign(_xml_rename), "rows nested": _xml_redesign(_xml_nest)}


def redesigns_for(filename: str) -> dict:
    """The redesigns that apply to a fixture file, by its kind."""
    if filename.endswith(".json"):
        return JSON_REDESIGNS
    if filename.endswith(".csv"):
        return CSV_REDESIGNS
    if filename.endswith(".xlsx"):
        return XLSX_REDESIGNS
    if filename.endswith(".xml"):
        return XML_REDESIGNS
    return HTML_REDESIGNS
