"""Versioned table of the state and organisation codes allowed in an MRZ.

Sources: ISO 3166-1 alpha-3 (as used by ICAO Doc 9303 Part 3, section 5) plus the codes
ICAO reserves for itself (Doc 9303 Part 3, tables of "codes for use in MRTDs"). Unknown codes
are never fatal: the parser reports them as a warning. Pure data, no I/O.
"""

from __future__ import annotations

#: Bump when the table changes; warnings about unknown codes name the version.
TABLE_VERSION = "2026.1"

_ISO_3166_ALPHA3 = """
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD
BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR
COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH
ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL
GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR
JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR
MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL
NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY
PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP
SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA
UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
"""

#: ICAO-specific codes (Doc 9303 Part 3) and their meaning.
ICAO_SPECIAL = {
    "D": "Germany",
    "GBD": "British Overseas Territories Citizen",
    "GBN": "British National (Overseas)",
    "GBO": "British Overseas Citizen",
    "GBP": "British Protected Person",
    "GBS": "British Subject",
    "EUE": "European Union",
    "UNO": "United Nations Organization",
    "UNA": "United Nations specialized agency",
    "UNK": "Resident of Kosovo (UNMIK)",
    "XBA": "African Development Bank",
    "XIM": "African Export-Import Bank",
    "XCC": "Caribbean Community",
    "XCE": "Council of Europe",
    "XCO": "Common Market for Eastern and Southern Africa",
    "XEC": "Economic Community of West African States",
    "XPO": "INTERPOL",
    "XES": "Organisation of Eastern Caribbean States",
    "XMP": "Parliamentary Assembly of the Mediterranean",
    "XOM": "Sovereign Military Order of Malta",
    "XDC": "Southern African Development Community",
    "XXA": "Stateless person (1954 Convention)",
    "XXB": "Refugee (1951 Convention)",
    "XXC": "Refugee (other)",
    "XXX": "Unspecified nationality",
    "UTO": "Utopia (ICAO specimen state)",
    "RKS": "Kosovo (issuer code in use, not ISO 3166)",
    "XKX": "Kosovo (user-assigned code used by some issuers)",
}

#: Codes no longer current but still printed on documents in circulation.
DEPRECATED = {
    "ANT": "Netherlands Antilles (dissolved 2010)",
    "BOS": "Bosnia and Herzegovina (superseded by BIH)",
    "CSK": "Czechoslovakia",
    "DDR": "German Democratic Republic",
    "ROM": "Romania (superseded by ROU)",
    "SCG": "Serbia and Montenegro",
    "SUN": "USSR",
    "TMP": "East Timor (superseded by TLS)",
    "YUG": "Yugoslavia",
    "ZAR": "Zaire (superseded by COD)",
    "BUR": "Burma (superseded by MMR)",
    "DEU": "Germany (ISO code; German documents use D)",
}

ISO_CODES = frozenset(_ISO_3166_ALPHA3.split())
KNOWN = frozenset(ISO_CODES | set(ICAO_SPECIAL))


def normalise_code(raw: str) -> str:
    """Return a 3-character state field without its trailing fillers ('D<<' -> 'D')."""
    return raw.rstrip("<")


def classify(code: str) -> str:
    """Classify a state code: 'known', 'deprecated', 'unknown' or 'malformed'."""
    if not code or not code.isalpha() or not code.isascii() or not code.isupper():
        return "malformed"
    if code in KNOWN and code != "DEU":
        return "known"
    if code in DEPRECATED:
        return "deprecated"
    return "unknown"


def is_known(code: str) -> bool:
    """True when ``code`` (without fillers) is a current ISO or ICAO code."""
    return code in KNOWN
