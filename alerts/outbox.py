"""The outbox: which rules a new change matches, written as `deliveries` rows in the change's own
transaction (the store calls an Outbox with the rows it just wrote; see store.ingest.write_changes).

One row per (change, channel, rule) that matched, with a dedupe key that names the news, not the
row: "Milan signed the Clean Air Accelerator" has one key whichever source reported it, so it
reaches a channel once. Baseline changes (notify = 0) never get a row.
"""

from __future__ import annotations

from datetime import timezone

from alerts.facts import facts
from alerts.rules import AlertConfig, Rule
from kit.text import name_key
from store.clock import iso_utc, parse_moment
from store import deliveries


class Outbox:
    def __init__(self, config: AlertConfig):
        self.config = config
        # Immediate rules first: when an immediate and a digest rule send one change to the same
        # channel, the dedupe key lets only the first in, so the news arrives now, not later again.
        self.rules = sorted(config.rules, key=lambda rule: rule.delivery.digest)

    def __call__(self, db, changes: list[dict]) -> int:
        alertable = [change for change in changes if change["notify"]]
        if not alertable or not self.rules:
            return 0
        rows = []
        for fact in facts(db, alertable):
            for rule in self.rules:
                if matches(rule, fact):
                    rows.extend(self.rows_for(rule, fact))
        return deliveries.add(db, rows) if rows else 0

    def rows_for(self, rule: Rule, fact: dict) -> list[dict]:
        created = fact["detected_at"]
        digest_key, due = None, created
        if rule.delivery.digest:
            end = rule.delivery.period_end(parse_moment(created), self.config.timezone)
            due = iso_utc(end.astimezone(timezone.utc))
            digest_key = f"{rule.name}@{due}"
        identity = news_identity(fact)
        return [{"change_id": fact["id"], "digest_key": digest_key, "channel": channel, "rule": rule.name,
                 "kind": fact["kind"], "dedupe_key": f"{identity}|{channel}", "next_attempt_at": due,
                 "created_at": created} for channel in rule.channels]


def news_identity(fact: dict) -> str:
    """What the news is, independent of which source or row said it.

    A signing is (actor, instrument): the actor is resolved across spellings and sources by the
    store, the instrument by its key. Other additions are their entity's key; anything else (an
    update, a removal, a health incident) is news once, as its change row.
    """
    kind = fact["kind"]
    if kind in ("signature.added", "membership.added"):
        actor = fact.get("actor_id") or name_key(fact.get("actor_name") or "")
        return f"{kind}:{actor}@{fact.get('instrument_key')}"
    if kind in ("instrument.added", "event.added", "announcement.added", "report.added"):
        return f"{kind}:{fact['entity_key']}"
    return f"change:{fact['id']}"


def matches(rule: Rule, fact: dict) -> bool:
    if fact["kind"] not in rule.kinds:
        return False
    if rule.sources and fact.get("source") not in rule.sources:
        return False
    if rule.countries and fact.get("country") not in rule.countries:
        return False
    if rule.instruments and not _instrument_matches(rule.instruments, fact):
        return False
    if rule.actors:
        wanted = {name_key(name) for name in rule.actors}
        names = {name_key(fact.get(name) or "") for name in ("actor", "actor_name")}
        if not wanted & names:
            return False
    return True


def _instrument_matches(wanted: tuple[str, ...], fact: dict) -> bool:
    key = fact.get("instrument_key") or ""
    title = (fact.get("instrument_title") or "").casefold()
    return any(key == w or key.endswith("/" + w) or (title and w.casefold() in title) for w in wanted)


def outbox_for(path: str | None, *, sources=None) -> Outbox | None:
    """The outbox of the configuration file at `path` (None: alerts are off).

    :param sources: the spiders' names, which a rule's `sources` must use (see load_config)
    """
    if not path:
        return None
    from alerts.rules import load_config

    return Outbox(load_config(path, sources=sources))
