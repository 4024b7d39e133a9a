"""Writes the fixtures of the sources of spiders/rosters.toml (tests/fixtures/<slug>/): run once,
commit the output; the pages are then saved pages like any other.

None of these sites' list markup is in a stored copy (the `search` tool's pages hold their prose,
not their member lists), so every page is **synthetic**: made-up markup around the real names the
stored copies name (each source says which page named them), with a count sentence written to
agree with the names shown (the real pages state larger totals, noted per source). meta.json and
docs/sources.md say so. The pages carry decoys a real page has (partner logos, news teasers, a
footer of links) so that the generic reader has something to refuse.

    .venv/bin/python -m tests.make_roster_fixtures
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED = "2026-12-06T09:00:00Z"


def shell(title: str, body: str, lang: str = "en") -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8"><title>{escape(title)}</title></head>\n'
            f'<body>\n<header class="site-header"><nav><ul class="menu"><li><a href="/">Home</a></li>'
            f'<li><a href="/about">About</a></li><li><a href="/news">News</a></li><li><a href="/contact">Contact</a></li>'
            f'</ul></nav></header>\n<main id="content">\n<h1>{escape(title)}</h1>\n{body}\n</main>\n'
            f'<footer class="site-footer"><ul><li><a href="/privacy">Privacy</a></li><li><a href="/legal">Legal notice</a>'
            f'</li><li><a href="/sitemap">Sitemap</a></li></ul></footer>\n</body>\n</html>\n')


def news(items: list[str]) -> str:
    cards = "".join(f'<article class="teaser"><h3><a href="/news/{i}">{escape(t)}</a></h3>'
                    f'<time datetime="2025-0{i + 1}-15">15 0{i + 1} 2025</time></article>' for i, t in enumerate(items))
    return f'<section class="latest-news"><h2>Latest news</h2><div class="teasers">{cards}</div></section>'


def logos(heading: str, names: list[str]) -> str:
    figures = "".join(f'<figure class="logo"><img src="/logos/{i}.png" alt="{escape(n)}"></figure>' for i, n in enumerate(names))
    return f'<section class="partners"><h2>{escape(heading)}</h2><div class="logo-strip">{figures}</div></section>'


# -- the sources ------------------------------------------------------------------------------------

ECCAR = [("Nuremberg", "Germany"), ("Bologna", "Italy"), ("Toulouse", "France"), ("Potsdam", "Germany"),
         ("Heidelberg", "Germany"), ("Malmö", "Sweden"), ("Esch-sur-Alzette", "Luxembourg"), ("Liège", "Belgium"),
         ("Barcelona", "Spain"), ("Graz", "Austria"), ("Nancy", "France"), ("Berlin", "Germany")]


def eccar() -> tuple[str, dict]:
    cards = "".join(f'<div class="views-row"><article class="member-city"><h3 class="member-city__name">{escape(c)}</h3>'
                    f'<p class="member-city__country">{escape(k)}</p></article></div>' for c, k in ECCAR)
    body = (f'<p>The European Coalition of Cities against Racism was launched by UNESCO in 2004. '
            f'The coalition counts {len(ECCAR)} member cities on this page.</p>'
            f'<h2>Our member cities</h2><div class="view-content member-grid">{cards}</div>'
            + logos("Supported by", ["UNESCO", "Council of Europe", "Fundamental Rights Agency"])
            + news(["Board Meeting of the ECCAR in Potsdam", "Declaration adopted: No Racism - 10 Years ECCAR!",
                    "ECCAR General Conference 2025"]))
    return shell("Members | ECCAR", body), {
        "notes": "Synthetic page: no stored copy of eccar.info/en/members (the member list named in research/domain.md) "
                 "shows its markup. The 12 names are ECCAR members named by stored pages: Nuremberg, Toulouse, Potsdam "
                 "(eccar.info/en/node/210), Bologna (comune.bologna.it), Esch-sur-Alzette, Liege, Barcelona, Graz, Nancy, "
                 "Heidelberg, Toulouse, Berlin, Potsdam (eccar.info/en/news/board-meeting-eccar-potsdam), Malmo (malmo.se). "
                 "The sentence '12 member cities' is written to agree with them; the real network states 'more than 104 "
                 "municipalities from 22 European countries' (nuernberg.de) or about 140 (de.wikipedia)."}


EUROCITIES = ["Barcelona", "Birmingham", "Frankfurt", "Lyon", "Milan", "Rotterdam", "Ghent", "Stockholm", "Florence",
              "Leipzig", "Malmö", "Tirana"]


def eurocities() -> tuple[str, dict]:
    figures = "".join(f'<figure class="city-card"><a href="/cities/{c.lower()}/"><img src="/img/{c.lower()}.jpg" alt="">'
                      f'<figcaption>{escape(c)}</figcaption></a></figure>' for c in EUROCITIES)
    body = (f'<p class="lead">Eurocities brings together the local governments of {len(EUROCITIES)} cities '
            f'shown below.</p><h2>Member cities</h2><div class="city-grid">{figures}</div>'
            + logos("Business partners", ["Example Mobility Partner", "Example Energy Partner", "Example Data Partner"])
            + news(["Mayors call for a stronger urban agenda", "Cities at the heart of the Green Deal",
                    "Eurocities 2025 in Braga"]))
    return shell("Our cities | Eurocities", body), {
        "notes": "Synthetic page: no stored copy shows eurocities.eu's member list. Names from stored pages: the six "
                 "founders Barcelona, Birmingham, Frankfurt, Lyon, Milan, Rotterdam (en.wikipedia Eurocities), Ghent "
                 "(Termont, past president), Stockholm (Konig Jerlmyr), Florence (Nardella), Leipzig (Jung), Malmo "
                 "(Reepalu, docslib 'The voice of cities in Europe'), Tirana ('our members on 1 January 2013 AL Tir...'). "
                 "The count sentence agrees with the 12 names; the real network states 'over 200' (en.wikipedia). "
                 "The business partners' names are invented decoys."}


MUFPP = [("Abidjan", "Côte d'Ivoire"), ("Dakar", "Senegal"), ("Nairobi", "Kenya"), ("Athens", "Greece"),
         ("Milan", "Italy"), ("Valencia", "Spain"), ("Belo Horizonte", "Brazil"), ("Buenos Aires", "Argentina"),
         ("São Paulo", "Brazil"), ("Baltimore", "United States"), ("Toronto", "Canada"), ("Astana", "Kazakhstan"),
         ("Tel Aviv", "Israel"), ("Austin", "United States"), ("Chicago", "United States"), ("Miami", "United States"),
         ("Minneapolis", "United States"), ("New Haven", "United States"), ("New York", "United States"),
         ("Pittsburgh", "United States"), ("San Francisco", "United States"), ("West Sacramento", "United States"),
         ("Madison", "United States"), ("Washington", "United States"), ("Brussels", "Belgium"), ("Bruges", "Belgium"),
         ("Ghent", "Belgium"), ("Liège", "Belgium"), ("Montpellier", "France")]


def mufpp() -> tuple[str, dict]:
    rows = "".join(f'<tr><td>{escape(c)}</td><td>{escape(k)}</td><td>2015-10-15</td></tr>' for c, k in MUFPP)
    body = (f'<p>The Milan Urban Food Policy Pact was signed on 15 October 2015 in Milan. '
            f'{len(MUFPP)} signatory cities are listed here.</p><h2>Signatory cities</h2>'
            f'<table class="signatories"><thead><tr><th>City</th><th>Country</th><th>Listed since</th></tr></thead>'
            f'<tbody>{rows}</tbody></table>'
            + news(["Milan Pact Awards 2025", "Annual Gathering in Rio de Janeiro", "Regional forum in Africa"]))
    return shell("Signatory cities | Milan Urban Food Policy Pact", body), {
        "notes": "Synthetic page: no stored copy shows the MUFPP signatory list. Names from stored pages: the 2016-2018 "
                 "Steering Committee (climateinitiativesplatform.org: Abidjan, Dakar, Nairobi, Athens, Milan, Valencia, "
                 "Belo Horizonte, Buenos Aires, Sao Paulo, Baltimore, Toronto, Astana, Tel Aviv), the 12 US cities of "
                 "2018 (wantedinmilan.com), Brussels, Bruges, Ghent (Gand), Liege (p2pfoundation wiki) and Montpellier "
                 "(host of the 2019 gathering). 'Listed since' dates are made up. The count sentence agrees with the 29 "
                 "names; the real pact states 'more than 100' at signing and 163 in 2018."}


NZCB = [("Copenhagen", "City", "Denmark"), ("Cape Town", "City", "South Africa"), ("Durban", "City", "South Africa"),
        ("Johannesburg", "City", "South Africa"), ("Tshwane", "City", "South Africa"), ("London", "City", "United Kingdom"),
        ("Los Angeles", "City", "United States"), ("New York City", "City", "United States"),
        ("Newburyport", "City", "United States"), ("Portland", "City", "United States"),
        ("San Francisco", "City", "United States"), ("San Jose", "City", "United States"),
        ("Santa Monica", "City", "United States"), ("Washington DC", "City", "United States")]
NZCB_BUSINESSES = ["Example Property Group", "Example Construction plc", "Example Engineering Ltd",
                   "Example Asset Management"]


def nzcb() -> tuple[str, dict]:
    rows = [(n, t, k) for n, t, k in NZCB]
    rows[3:3] = [(b, "Business", "United Kingdom") for b in NZCB_BUSINESSES[:2]]
    rows[9:9] = [(b, "Business", "United States") for b in NZCB_BUSINESSES[2:]]
    body_rows = "".join(f'<tr><td>{escape(n)}</td><td>{t}</td><td>{escape(k)}</td></tr>' for n, t, k in rows)
    body = (f'<p>The Net Zero Carbon Buildings Commitment challenges businesses, organisations, cities, states and '
            f'regions to reach net zero carbon in operation by 2030. This page lists {len(NZCB)} city and regional '
            f'signatories and {len(NZCB_BUSINESSES)} businesses.</p><h2>Commitment signatories</h2>'
            f'<table class="commitment-signatories"><thead><tr><th>Signatory</th><th>Type</th><th>Country</th></tr>'
            f'</thead><tbody>{body_rows}</tbody></table>')
    return shell("Commitment signatories | WorldGBC", body), {
        "notes": "Synthetic page: no stored copy shows worldgbc.org's signatory list. The 14 cities are founding "
                 "signatories named by the launch release of 13 Sep 2018 (globalclimateactionsummit.org/net-zero-buildings: "
                 "'Cities, recruited in partnership with C40 - Copenhagen; Cape Town, Durban, Johannesburg & Tshwane; "
                 "London; Los Angeles, New York City, Newburyport, Portland, San Francisco, San Jose, Santa Monica & W...', "
                 "cut there). The four businesses are invented; the Type column lets the reader leave them out. The count "
                 "sentence agrees with the 14 cities; the real page states '176 total signatories' (all kinds)."}


CLIMATE_MAYORS = ["Austin, TX", "Carmel, IN", "Beverly, MA", "New Orleans, LA", "Tampa, FL", "Orlando, FL",
                  "Los Angeles, CA", "Louisville, KY", "Minneapolis, MN", "Fayetteville, AR", "Albuquerque, NM",
                  "San Antonio, TX", "Tucson, AZ", "Chula Vista, CA", "Eugene, OR", "Edina, MN", "Houston, TX",
                  "Madison, WI", "Phoenix, AZ", "Cleveland, OH", "Pittsburgh, PA", "Knoxville, TN", "Boise, ID",
                  "Dayton, OH", "Columbia, SC", "College Park, MD", "Boston, MA", "Dallas, TX", "Des Moines, IA"]


def climate_mayors() -> tuple[str, dict]:
    items = "".join(f'<li class="member">{escape(c)}</li>' for c in CLIMATE_MAYORS)
    body = (f'<p>Climate Mayors is a bipartisan, peer-to-peer network of U.S. mayors. This directory lists '
            f'{len(CLIMATE_MAYORS)} member mayors.</p><h2>Member cities</h2><ul class="member-directory">{items}</ul>'
            + news(["Climate Mayors Announces New Chair", "Climate Mayors urge strong vehicle standards",
                    "EV Purchasing Collaborative update"]))
    return shell("Members | Climate Mayors", body), {
        "notes": "Synthetic page: no stored copy shows climatemayors.org's member list. The 29 cities are the Steering "
                 "Committee's, as climatemayors.org/who-we-are prints them ('Austin, tx' ...; state codes upper-cased "
                 "here). The count sentence agrees with them; the real network states 'more than 470 U.S. mayors' "
                 "(who-we-are), 407 in June 2017 (research/domain.md)."}


CED = [("Hoboken", "United States"), ("Montgomery County, Maryland", "United States"), ("Los Angeles", "United States"),
       ("Darebin", "Australia"), ("Berkeley", "United States"), ("Bristol", "United Kingdom"),
       ("London", "United Kingdom"), ("Oakland", "United States"), ("Vancouver", "Canada"),
       ("San Francisco", "United States"), ("Edinburgh", "United Kingdom")]


def climate_emergency() -> tuple[str, dict]:
    rows = "".join(f'<tr><td>{escape(n)}</td><td>{escape(k)}</td></tr>' for n, k in CED)
    body = (f'<p>Local governments that have declared a climate emergency. {len(CED)} jurisdictions are listed '
            f'on this page.</p><h2>Jurisdictions that have declared a climate emergency</h2>'
            f'<table class="ced-list"><thead><tr><th>Jurisdiction</th><th>Country</th></tr></thead><tbody>{rows}'
            f'</tbody></table>' + logos("Our partners", ["The Climate Mobilization", "CACE", "Climate Emergency Network"]))
    return shell("Climate emergency declarations | CEDAMIA", body), {
        "notes": "Synthetic page: cedamia.org's stored copies print declarations as dated paragraphs "
                 "('1 November 2017, Hoboken City Council, New Jersey, USA, population 55,131'), not a list the "
                 "fixture could copy. Hoboken, Montgomery County (Maryland) and Los Angeles are from "
                 "cedamia.org/ced-regions-in-usa; the others are well-known early declarers (Darebin, Dec 2016) added "
                 "without a stored copy. The count sentence agrees with the 11 names; the real count was 1,490 "
                 "jurisdictions on 23 Apr 2020 (research/domain.md) and over 2,100 in May 2022."}


MAYORS_FOR_PEACE = [("Hiroshima", "Japan"), ("Nagasaki", "Japan"), ("Montréal", "Canada"), ("Gernika-Lumo", "Spain"),
                    ("Halabja", "Iraq"), ("Manchester", "United Kingdom"), ("Abingdon-on-Thames", "United Kingdom"),
                    ("Bradford", "United Kingdom"), ("Cervia", "Italy"), ("Cuernavaca", "Mexico"),
                    ("Varennes-Vauzelles", "France"), ("Bastogne", "Belgium"), ("Brussels", "Belgium"),
                    ("Ypres", "Belgium"), ("Dimona", "Israel")]


def mayors_for_peace() -> tuple[str, dict]:
    data = {"updated": "2026-12-01", "total": len(MAYORS_FOR_PEACE),
            "members": [{"id": i + 1, "city": c, "country": k, "joined": None} for i, (c, k) in enumerate(MAYORS_FOR_PEACE)],
            "chapters": [{"name": "French Chapter"}, {"name": "UK and Ireland Chapter"}, {"name": "Catalan Chapter"}]}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n", {
        "content_type": "application/json",
        "notes": "Synthetic JSON answer: no stored copy shows how mayorsforpeace.org publishes its member list. The "
                 "15 cities are members named by stored pages (mayorsforpeace.org front pages and activity list, "
                 "nenasili.svetbezvalek.cz for Bastogne, Brussels, Ypres and Dimona). 'total' agrees with them; the "
                 "real network states 'over 8,400 member cities' (2025). The chapters array is a decoy."}


SOURCES = {
    "eccar_members": ("members.html", "https://www.eccar.info/en/members", eccar),
    "eurocities_members": ("cities.html", "https://eurocities.eu/cities/", eurocities),
    "mufpp_signatories": ("signatory-cities.html", "https://www.milanurbanfoodpolicypact.org/signatory-cities/", mufpp),
    "worldgbc_nzcb": ("signatories.html", "https://worldgbc.org/thecommitment/signatories/", nzcb),
    "climate_mayors_members": ("members.html", "https://climatemayors.org/about/members/", climate_mayors),
    "climate_emergency_declarations": ("global.html", "https://www.cedamia.org/global/", climate_emergency),
    "mayors_for_peace_members": ("members.json", "https://www.mayorsforpeace.org/en/members/data/members.json",
                                 mayors_for_peace),
}
EXPECTED = {"eccar_members": [c for c, _ in ECCAR], "eurocities_members": EUROCITIES,
            "mufpp_signatories": [c for c, _ in MUFPP], "worldgbc_nzcb": [c for c, _, _ in NZCB],
            "climate_mayors_members": CLIMATE_MAYORS, "climate_emergency_declarations": [c for c, _ in CED],
            "mayors_for_peace_members": [c for c, _ in MAYORS_FOR_PEACE]}


def main() -> None:
    for slug, (filename, url, make) in SOURCES.items():
        folder = FIXTURES / slug
        folder.mkdir(exist_ok=True)
        text, info = make()
        (folder / filename).write_text(text, encoding="utf-8")
        meta = {filename: {"url": url, "fetched_at": FETCHED, "status": 200,
                           "content_type": info.get("content_type", "text/html; charset=UTF-8"),
                           "notes": info["notes"], "synthetic": True, "names": EXPECTED[slug],
                           "stated": len(EXPECTED[slug]), "sample": True}}
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"{folder / filename}: {len(EXPECTED[slug])} names")


if __name__ == "__main__":
    main()
