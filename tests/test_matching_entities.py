"""Entity normalisation on real names (CA export, Maine workbooks, aggregator posts)."""

import pytest

from crawler.matching import markers
from crawler.matching.entities import (
    entity_keys,
    leading_entity_key,
    load_aliases,
    normalise_entity,
)
from crawler.matching.markers import amended_notice_date
from crawler.textparse.dates import parse_date


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        (
            "Whole Foods Market Group, Inc., 550 Bowie Street, Austin, TX 78703",
            ("whole foods market group",),
        ),
        ('Hospital Sisters Health Systems ("HSHS")', ("hospital sisters health systems",)),
        (
            "Southeast Series of Lockton Companies, LLC (“Lockton”)\u202f",
            ("southeast series of lockton", "lockton"),
        ),
        ("\u200b\u200bHarvard Pilgrim Health Care\u200b", ("harvard pilgrim health care",)),
        ("CRC Insurance Services, LLC\u200e", ("crc insurance services",)),
        ("Capital One, N.A.", ("capital one",)),
        (
            "LJCooper Capital Management, LLC d/b/a LJCooper Wealth Advisors, 742 N 530 E, Orem, UT 84097",
            ("ljcooper capital management", "ljcooper wealth advisors"),
        ),
        ("DWWGH LLC d/b/a Gardena Honda", ("dwwgh", "gardena honda")),
        ("Beverages & More, Inc. dba BevMo!", ("beverages and more", "bevmo")),
        ("Yahoo, Inc. (update)", ("yahoo",)),
        ("Supplement to Feb 2 notice", ()),
        (
            "TALX Corporation, a wholly owned subsidiary of Equifax, Inc., 1550 Peachtree Street, NW, Atlanta, GA 30309",
            ("talx",),
        ),
        (
            "American Express Travel Related Services Company, Inc and /or its Affiliates (“AXP”)",
            ("american express travel related services",),
        ),
        (
            "American Express Travel Related Services Co., Inc.",
            ("american express travel related services",),
        ),
        ("T-Mobile USA, Inc.", ("t mobile",)),
        ("T-Mobile US", ("t mobile",)),
        ("See’s Candies, Inc.", ("sees candies",)),
        ("Ernst & Young LLP", ("ernst and young",)),
        ("The Coca-Cola Company", ("coca cola",)),
        ("Equifax, Inc., 1550 Peachtree Street, N.E., Atlanta,GA 30309", ("equifax",)),
        (
            "ABM Industries Incorporated, One Liberty Plaza, 7th Floor, New York, NY 10006",
            ("abm industries",),
        ),
        ("County of Cumberland", ("cumberland county",)),
        ("Hair Club for Men, Ltd., Inc.", ("hair club for men",)),
        ("21st Century Oncology", ("21st century oncology",)),
        ("  Rebound Orthopedics & Neurosurgery", ("rebound orthopedics and neurosurgery",)),
        ("Monterey  Bay Air Resources District", ("monterey bay air resources district",)),
        ("", ()),
    ],
)
def test_entity_keys_of_real_names(published, expected):
    assert entity_keys(published) == expected


# Update markers and filing-channel tags, wherever the filing puts them, leave the entity's
# own key; a marker followed by the amended notice's date names no entity.
@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("Supplement to Yahoo, Inc.", ("yahoo",)),
        ("Update to Equifax Inc.", ("equifax",)),
        ("Amendment to Blackbaud, Inc.", ("blackbaud",)),
        ("UPDATE - Blackbaud, Inc.", ("blackbaud",)),
        ("Supplemental Notice - Anthem, Inc.", ("anthem",)),
        ("Amended: Anthem, Inc.", ("anthem",)),
        ("Anthem, Inc. Amended", ("anthem",)),
        ("80sTees.com, Inc. UPDATE", ("80steescom",)),
        ("Yahoo, Inc. (update)", ("yahoo",)),
        ("Yahoo, Inc. (Updated Notice)", ("yahoo",)),
        ("Aptos, Inc. - Supplement to 11/14/17 Notice", ("aptos",)),
        ("Supplement to Aptos's 2/25/17 notice", ("aptos",)),
        (
            "Michael's Stores, Inc. (including Aaron Brothers) UPDATE from 1/27/14 notice",
            ("michaels stores",),
        ),
        ("Capital One, National Association", ("capital one",)),
        ("HSBC Bank USA, National Association", ("hsbc bank",)),
        ("Supplement to previous notice dated 10/8/15", ()),
        ("Supplement to May 20, 2014 Notice to us", ()),
        ("ShowTix4U (paper)", ("showtix4u",)),
        ("ShowTix4U [email]", ("showtix4u",)),
        ("ShowTix4U - email", ("showtix4u",)),
        ("Rand McNally - paper", ("rand mcnally",)),
        (
            "Tatcha, LLC, 350 Rhode Island Street, Suite 110, San Francisco, CA 94103 (email)",
            ("tatcha",),
        ),
        # Words that look like markers inside a name stay.
        ("Daily Update Media LLC", ("daily update media",)),
        ("Paper Source, Inc.", ("paper source",)),
        # Placeholders for a name not given: no key at all.
        ("Unknown", ()),
        ("N/A", ()),
        ("None", ()),
        ("Not provided", ()),
        ("-", ()),
    ],
)
def test_markers_and_tags_leave_the_entity_key(published, expected):
    assert entity_keys(published) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mount Diablo Unified School District", "MT. DIABLO UNIFIED SCHOOL DISTRICT"),
        ("Memorial Hospital and Manor", "Memorial Hospital & Manor"),
        ("Mission Bell Mfg Inc", "Mission Bell Mfg., Inc."),
        (
            "ACTIVE Network, LLC",
            "Active Network, 717 North Harwood Street, Suite 2500, Dallas, TX 75201",
        ),
    ],
)
def test_variants_share_a_key(a, b):
    assert normalise_entity(a) == normalise_entity(b)


def test_distinct_organisations_keep_distinct_keys():
    assert normalise_entity("Bank of America, N.A.") != normalise_entity("Bank of the West")
    assert normalise_entity("Equifax Inc.") != normalise_entity("TALX Corporation")


# One case per alias table entry: the table is data, each line must do what it says.
ALIAS_CASES = {
    ("token", "mt"): ("Mt. Hood Meadows", "mount hood meadows"),
    ("token", "ft"): (
        "Ft. Worth Independent School District",
        "fort worth independent school district",
    ),
    ("token", "univ"): ("Stanford Univ.", "stanford university"),
    ("token", "ctr"): ("Cedars-Sinai Medical Ctr.", "cedars sinai medical center"),
    ("token", "hosp"): ("Memorial Hosp.", "memorial hospital"),
    ("token", "assn"): ("Alumni Assn., Inc.", "alumni association"),
    ("token", "dept"): ("Police Dept.", "police department"),
    ("token", "svcs"): ("Health Svcs LLC", "health services"),
    ("token", "intl"): ("Choice Hotels Intl", "choice hotels international"),
    ("name", "mdusd"): ("MDUSD", "mount diablo unified school district"),
    ("name", "mount diablo usd"): ("Mt. Diablo USD", "mount diablo unified school district"),
    ("name", "axp"): ("AXP", "american express travel related services"),
    ("name", "hshs"): ("HSHS", "hospital sisters health systems"),
}


def test_every_alias_entry_has_a_case():
    table = load_aliases()
    entries = {("token", k) for k in table.tokens} | {("name", k) for k in table.names}
    assert entries == set(ALIAS_CASES)


@pytest.mark.parametrize(("entry", "case"), ALIAS_CASES.items(), ids=lambda v: str(v))
def test_alias_entry(entry, case):
    published, expected = case
    assert normalise_entity(published) == expected


@pytest.mark.parametrize(
    ("name", "key"),
    [
        # The Maine legacy log appends a contact person and title, then the address.
        (
            "Fidelity Investments, William Duserick, Chief Privacy Officer, 82 Devonshire Street, "
            "Boston, MA 02109",
            "fidelity investments",
        ),
        ("Acme Corp, John Smith, Director of IT", "acme"),
        # A comma in a firm's name is not a person.
        ("Morgan Stanley, Smith Barney", "morgan stanley smith barney"),
    ],
)
def test_contact_person_and_title_are_cut(name, key):
    assert entity_keys(name)[0] == key


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        # Real cells of the Maine legacy log's breach-date and notification columns.
        ("Supplement to 11/14/17 Notice", "2017-11-14"),
        ("Update to 12/23/15 notice", "2015-12-23"),
        ("Supplement to Aptos's 2/25/17 notice", "2017-02-25"),
        ("12/18/2014 (update to 11/25/14 notice)", "2014-11-25"),
        (
            "Supplement to previous notice dated 10/8/15 stating breach occurred 3/30/15",
            "2015-10-08",
        ),
        ("Supplement to May 20, 2014 Notice to us", "2014-05-20"),
        (
            "Michael's Stores, Inc. (including Aaron Brothers) UPDATE from 1/27/14 notice",
            "2014-01-27",
        ),
        ("Supplement to Feb 2 notice", None),  # no year: not a date we can point at
        ("Yahoo, Inc. (update)", None),
    ],
)
def test_amended_notice_date(text, iso):
    assert amended_notice_date(text) == iso


@pytest.mark.parametrize(
    "text",
    [
        "SUPPLEMENT TO 11/14/17 NOTICE",
        "\u017fupplement to 11/14/17 notice",  # long s: IGNORECASE reads it as "s"
        '{"Entity Name": "Acme", "Notes": "Addendum to 3/2/2019 letter"}',
        "Amendment from Aptos's 2/25/17 notice",
        "Updated to 2/25/17",  # "updated" is not the pattern's "update": no date
        "",
        None,
    ],
)
def test_amended_notice_date_word_gate_agrees_with_the_pattern(text):
    """The quick word check before the pattern never hides a date the pattern finds."""
    match = markers._UPDATE_OF_DATE.search(text or "")
    expected = None
    if match:
        parsed = parse_date(match.group(1)).value
        expected = parsed.iso if parsed and parsed.precision == "day" else None
    assert amended_notice_date(text) == expected
    if text and text.startswith(("SUPP", "\u017f", "{")):
        assert expected is not None  # the cases that must find a date do


# The first entity of a list of entity names; never for one firm's name of surnames, a campus,
# an address, a contact person or a legal form after a comma.
@pytest.mark.parametrize(
    ("published", "lead"),
    [
        (
            "COLORADO WEST CONSTRUCTION, NEXT LEVEL CONSTRUCTION SERVICES & 4 CORNERS REPAIR & "
            "RESTORATION",
            "colorado west construction",
        ),
        (
            "Armstrong Oil & Gas, Inc. and Armstrong Vineyards, Inc. d/b/a Epoch Estate Wines",
            "armstrong oil and gas",
        ),
        ("Smith, Jones & Co.", None),
        ("Musick, Peeler & Garrett LLP", None),
        ("Wright, Moore, DeHart, Dupuis & Hutchinson, LLC", None),
        ("M. Arthur Gensler, Jr. & Associates, Inc.", None),
        ("California State University, Fresno", None),
        ("Tatcha, LLC, 350 Rhode Island Street, Suite 110, San Francisco, CA 94103 (email)", None),
        ("Fidelity Investments, William Duserick, Chief Privacy Officer", None),
        ("Hair Club for Men, Ltd., Inc.", None),
        ("Capital One, N.A.", None),
        ("COLORADO WEST CONSTRUCTION", None),
    ],
)
def test_the_first_of_a_list_of_entities(published, lead):
    assert leading_entity_key(published) == lead
