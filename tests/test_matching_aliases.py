"""Which parenthesised or quoted parts of a real name are names of the entity (shortnames)."""

import pytest

from crawler.matching.entities import entity_names
from crawler.matching.shortnames import is_acronym_of


@pytest.mark.parametrize(
    ("published", "keys"),
    [
        # Filing-channel tags of the Maine legacy log (95 of its 2,070 rows): never keys.
        ("Tatcha, LLC, 350 Rhode Island Street, Suite 110, San Francisco, CA 94103 (email)", ("tatcha",)),
        ("ShowTix4U (paper)", ("showtix4u",)),
        ("McDavid, Inc., 11488 Slater Ave, Fountain Valley, CA 92708 (paper)", ("mcdavid",)),
        ("Intuit, Inc., 2535 Garcia Avenue, Mountain View, CA 94043 (email & paper)", ("intuit",)),
        ("RM Acquisition, LLC d/b/a Rand McNally, 9855 Woods Drive, Skokie, IL 60077 (Email)",
         ("rm acquisition", "rand mcnally")),
        # Remarks, update markers, places.
        ("MassMutual Financial Group (3rd party service provider, Convey Compliance Solutions)",
         ("massmutual financial group",)),
        ("Avanti Markets Inc. (Update)", ("avanti markets",)),
        ("Legalinc Corporate Services, Inc. (as data maintainer)", ("legalinc corporate services",)),
        ("Enstar (US) Inc", ("enstar",)),
        ("Jim Provencher (\"the Firm\")", ("jim provencher",)),
        # Acronyms of the name, quoted defined names, brands, d/b/a in parentheses.
        ("Perry Johnson & Associates, Inc. (PJ&A)", ("perry johnson and associates", "pj and a")),
        ("Gapbuster Worldwide Pty Ltd (GBW)", ("gapbuster worldwide", "gbw")),
        ("Southeast Series of Lockton Companies, LLC (“Lockton”)", ("southeast series of lockton", "lockton")),
        ("Sprint Corporation (\"Boost Mobile\")", ("sprint", "boost mobile")),
        ("Nationstar Mortgage (dba Mr. Cooper)", ("nationstar mortgage", "mr cooper")),
        ("The Neiman Marcus Group, LLC (“NMG” or the “Company”)", ("neiman marcus group", "nmg")),
        # An unquoted word that is neither an acronym nor part of the name is a remark.
        ("Ascentium inc. and Ascentium Corp. (Smith)", ("ascentium inc and ascentium",)),
    ],
)  # fmt: skip
def test_only_names_of_the_entity_become_keys(published, keys):
    assert entity_names(published).keys == keys


@pytest.mark.parametrize(
    ("published", "keys", "former"),
    [
        ("Rentpath, Inc., formerly knwon as Primedia, Inc.", ("rentpath", "primedia"), {"primedia"}),
        ("Primedia, Inc., k/n/a RentPath, Inc.(\"Primedia\")", ("primedia", "rentpath"), {"rentpath"}),
        ("Osiac (formerly Advisor Group)", ("osiac", "advisor group"), {"advisor group"}),
        ("Atrium Health (formerly Carolinas HealthCare System)",
         ("atrium health", "carolinas healthcare system"), {"carolinas healthcare system"}),
        ("Schurman Fine Papers d/b/a Schurman Retail Group", ("schurman fine papers", "schurman retail group"), set()),
    ],
)  # fmt: skip
def test_formerly_forms_give_both_names_and_mark_the_former(published, keys, former):
    names = entity_names(published)
    assert names.keys == keys
    assert names.former == former


@pytest.mark.parametrize(
    ("published", "keys"),
    [
        # The legacy log's address forms: a semicolon starts the address as a comma does.
        ("Signature Hardware, Inc; 2700 Crescent Springs Pike, Erlanger KY 41017", ("signature hardware",)),
        ("New Horizons Computer Learning Centers, Inc.; 100 4 Falls Corporate Center, Suite 408, "
         "West Conshohocken, PA 19428", ("new horizons computer learning centers",)),
        # A campus town after the street is part of the name; both keys are kept.
        ("California  State University, 5241 N. Maple Ave., Fresno, CA 93740",
         ("california state university", "california state university fresno")),
        # A company's town is not: "Whole Foods Market Group" stays one key.
        ("Whole Foods Market Group, Inc., 550 Bowie Street, Austin, TX 78703", ("whole foods market group",)),
    ],
)  # fmt: skip
def test_address_forms_of_the_legacy_log(published, keys):
    assert entity_names(published).keys == keys


@pytest.mark.parametrize(
    ("short", "name", "expected"),
    [
        ("pj and a", "perry johnson and associates", True),
        ("mflex", "multi fineline electronix", True),
        ("crl", "consulting radiologists ltd", True),
        ("email", "tatcha", False),
        ("abc", "mount diablo unified school district", False),
        ("x", "xerox", False),  # one letter is no acronym
    ],
)
def test_acronym(short, name, expected):
    assert is_acronym_of(short, name) is expected
