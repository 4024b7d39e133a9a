"""Feed exporters for `scrapy crawl SPIDER -O out.jsonl` (or .json): every exported item starts
with a "type" field (instrument, signature, count_claim ...), the same word as `glocal parse`
prints and `changes.entity` holds, so a reader can tell a signature from an instrument.
Scope reports never reach a feed: the spider hands them to the store session, not to Scrapy."""

from __future__ import annotations

from scrapy.exporters import JsonItemExporter, JsonLinesItemExporter

from kit.items import as_record, item_kind


def _typed(item) -> dict:
    return {"type": item_kind(item), **as_record(item)}


class TypedJsonLinesItemExporter(JsonLinesItemExporter):
    def export_item(self, item):
        return super().export_item(_typed(item))


class TypedJsonItemExporter(JsonItemExporter):
    def export_item(self, item):
        return super().export_item(_typed(item))
