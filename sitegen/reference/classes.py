"""Does a Wikidata item fit an entity's type? Read from its classes and statements.

A person must be an instance of human (Q5). A place must be a geographic thing: a
known geographic class, or an item with coordinates. An organisation must not be a
human, and should look like a body (a known class of organisation, or statements only
bodies have: headquarters, founder, members, chairperson) or a building standing for
one ("the Pentagon", "the Kremlin"), never a town or a country ("Liverpool" the club). Pages about names, lists and disambiguation
are never an entity's reference.

Without walking Wikidata's class tree (one more request per class), the lists below
are the common classes of news entities; an item outside them is judged by the
statements it carries, and counted as "unknown" rather than "wrong".
"""
from __future__ import annotations

from enum import Enum

HUMAN = "Q5"
NEVER = {
    "Q4167410",  # Wikimedia disambiguation page
    "Q13406463",  # Wikimedia list article
    "Q4167836",  # Wikimedia category
    "Q101352",  # family name
    "Q202444",  # given name
    "Q12308941",  # male given name
    "Q11879590",  # female given name
    "Q3409032",  # unisex given name
    "Q22808320",  # Wikimedia human name disambiguation page
}
PLACE_CLASSES = {
    "Q6256",  # country
    "Q3624078",  # sovereign state
    "Q7275",  # state
    "Q515",  # city
    "Q1549591",  # big city
    "Q5119",  # capital city
    "Q486972",  # human settlement
    "Q3957",  # town
    "Q532",  # village
    "Q35657",  # state of the United States
    "Q10864048",  # first-level administrative division
    "Q56061",  # administrative territorial entity
    "Q82794",  # geographic region
    "Q1620908",  # historical region
    "Q5107",  # continent
    "Q23442",  # island
    "Q8502",  # mountain
    "Q4022",  # river
    "Q165",  # sea
    "Q75520",  # plateau
    "Q15284",  # municipality
    "Q41176",  # building
    "Q16560",  # palace
    "Q1574423",  # official residence
    "Q180516",  # room
    "Q2319498",  # landmark
    "Q1048525",  # federal district
    "Q475050",  # federal district (United States)
    "Q15239622",  # disputed territory
    "Q1335818",  # occupied territory
    "Q1402592",  # island group
    "Q2221906",  # geographic location
    "Q17334923",  # location
    "Q1637706",  # city with millions of inhabitants
    "Q200250",  # metropolis
    "Q3455524",  # self-governing territory
    "Q161243",  # dependent territory
    "Q1763527",  # constituent country
}
ORGANISATION_CLASSES = {
    "Q43229",  # organization
    "Q4830453",  # business
    "Q783794",  # company
    "Q891723",  # public company
    "Q6881511",  # enterprise
    "Q7278",  # political party
    "Q327333",  # government agency
    "Q484652",  # international organization
    "Q7210356",  # political organization
    "Q17149090",  # armed organization
    "Q7188",  # government
    "Q192283",  # news agency
    "Q1002697",  # periodical
    "Q11032",  # newspaper
    "Q1110794",  # daily newspaper
    "Q15265344",  # broadcaster
    "Q2001305",  # television channel
    "Q163740",  # nonprofit organization
    "Q31855",  # research institute
    "Q3918",  # university
    "Q875538",  # public university
    "Q2659904",  # government organization
    "Q1331793",  # media company
    "Q4438121",  # sports organization
    "Q476028",  # association football club
    "Q847017",  # sports club
    "Q12973014",  # sports team
    "Q15911314",  # association
    "Q48204",  # voluntary association
    "Q178706",  # institution
    "Q1530022",  # religious organization
    "Q245065",  # intergovernmental organization
    "Q1127126",  # military alliance
    "Q176799",  # military unit
    "Q45295908",  # military organization
    "Q11691",  # stock exchange
    "Q1616075",  # television station
    "Q1193236",  # ministry
    "Q192350",  # ministry (government department)
    "Q1059478",  # think tank
    "Q955824",  # learned society
    "Q3778417",  # armed forces
    "Q1752939",  # militia
    "Q2385804",  # educational institution
    "Q4287745",  # medical organization
    "Q17127659",  # terrorist organization
    "Q1412224",  # rebel group
    "Q3623811",  # economic union
    "Q4120211",  # regional organization
    "Q740752",  # transport company
    "Q46970",  # airline
    "Q210167",  # video game developer
    "Q1058914",  # software company
    "Q22687",  # bank
    "Q1785733",  # environmental organization
    "Q7257717",  # public broadcasting
    "Q14350",  # radio station
    "Q2085381",  # publisher
    "Q13226383",  # facility
    "Q1664720",  # institute
    "Q7075",  # library
    "Q33506",  # museum
    "Q15627509",  # social networking service
    "Q35127",  # website
}
# Places that are never the organisation a name stands for: "Liverpool" the club is not
# the city, a country is filed as a place. (Buildings are: "the White House said".)
SETTLEMENTS_AND_LAND = {
    "Q6256", "Q3624078", "Q7275", "Q515", "Q1549591", "Q5119", "Q486972", "Q3957", "Q532", "Q35657",
    "Q10864048", "Q56061", "Q82794", "Q1620908", "Q5107", "Q23442", "Q8502", "Q4022", "Q165", "Q75520",
    "Q15284", "Q1048525", "Q475050", "Q15239622", "Q1402592", "Q1637706", "Q200250", "Q3455524", "Q161243",
    "Q1763527",
}
# Statements only bodies carry: headquarters, founder, chairperson, chief executive,
# number of employees, industry, parent organisation, members, legal form.
ORGANISATION_PROPERTIES = ("P159", "P112", "P488", "P169", "P1128", "P452", "P749", "P2124", "P1454", "P576")


class Fit(Enum):
    FITS = "fits"
    UNKNOWN = "unknown"
    CLASH = "clash"


def classes(item: dict) -> set[str]:
    return {v["item"] for v in item.get("claims", {}).get("P31", ()) if "item" in v}


def fit(item: dict, entity_type: str) -> Fit:
    kinds = classes(item)
    claims = item.get("claims", {})
    if kinds & NEVER:
        return Fit.CLASH
    human = HUMAN in kinds
    if entity_type == "person":
        return Fit.FITS if human else Fit.CLASH
    if human:
        return Fit.CLASH
    geographic = bool(kinds & PLACE_CLASSES) or "P625" in claims
    body = bool(kinds & ORGANISATION_CLASSES) or any(p in claims for p in ORGANISATION_PROPERTIES)
    if entity_type == "place":
        if geographic:
            return Fit.FITS
        return Fit.CLASH if body or kinds else Fit.UNKNOWN
    if body or (geographic and not kinds & SETTLEMENTS_AND_LAND):  # a building standing for its institution
        return Fit.FITS
    return Fit.CLASH if kinds else Fit.UNKNOWN


def kind_of(item: dict) -> str | None:
    """What an item is, as one of sitegen's types, when its classes say so plainly."""
    kinds = classes(item)
    if HUMAN in kinds:
        return "person"
    if kinds & ORGANISATION_CLASSES:
        return "organisation"
    if kinds & PLACE_CLASSES or "P625" in item.get("claims", {}):
        return "place"
    return None
