"""ISO 3166-1 alpha-2 codes of country names as UN pages print them ("Bolivia (Plurinational State
of)", "St. Lucia", "Turkey"). A lookup for the `country` field only: keys never come from here."""

from __future__ import annotations

import re

from kit.text import clean

# UN spellings pycountry does not know (or knows under a newer name).
UN_NAMES = {
    "democratic republic of the congo": "CD",
    "republic of korea": "KR",
    "democratic people's republic of korea": "KP",
    "st. kitts and nevis": "KN",
    "st. lucia": "LC",
    "st. vincent and the grenadines": "VC",
    "state of palestine": "PS",
    "swaziland": "SZ",
    "the former yugoslav republic of macedonia": "MK",
    "turkey": "TR",
    "holy see": "VA",
    "micronesia (federated states of)": "FM",
    "republic of moldova": "MD",
    "united republic of tanzania": "TZ",
    "lao people's democratic republic": "LA",
    "bolivia (plurinational state of)": "BO",
    "venezuela (bolivarian republic of)": "VE",
    "iran (islamic republic of)": "IR",
}
# Participants that are not states (regional economic integration organizations).
ORGANIZATIONS = {"european union", "european community", "european economic community"}


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 of a participant name as the UN prints it, None when unknown."""
    import pycountry  # imported lazily: the spider loader imports every parser module

    folded = clean(name).casefold()
    if folded in UN_NAMES:
        return UN_NAMES[folded]
    if folded in ORGANIZATIONS:
        return None
    for candidate in (name, re.sub(r"\s*\((.*)\)$", r", \1", name)):
        try:
            return pycountry.countries.lookup(candidate).alpha_2
        except LookupError:
            continue
    return None
