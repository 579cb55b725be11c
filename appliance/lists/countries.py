"""Country names (as lists write them) to ICAO / ISO 3166-1 alpha-3 codes."""

from __future__ import annotations

import re
import unicodedata

# code|name|alias|alias ...  (ICAO 9303 codes where they differ from ISO: D for Germany, UNK for Kosovo)
_TABLE = """
AFG|Afghanistan
ALB|Albania
DZA|Algeria
AND|Andorra
AGO|Angola
ATG|Antigua and Barbuda
ARG|Argentina
ARM|Armenia
AUS|Australia
AUT|Austria
AZE|Azerbaijan
BHS|Bahamas|The Bahamas
BHR|Bahrain
BGD|Bangladesh
BRB|Barbados
BLR|Belarus
BEL|Belgium
BLZ|Belize
BEN|Benin
BTN|Bhutan
BOL|Bolivia|Bolivia (Plurinational State of)
BIH|Bosnia and Herzegovina|Bosnia-Herzegovina
BWA|Botswana
BRA|Brazil
BRN|Brunei|Brunei Darussalam
BGR|Bulgaria
BFA|Burkina Faso
BDI|Burundi
CPV|Cabo Verde|Cape Verde|Cabo Verde. Previously Cape Verde
KHM|Cambodia
CMR|Cameroon
CAN|Canada
CAF|Central African Republic
TCD|Chad
CHL|Chile
CHN|China|People's Republic of China
COL|Colombia
COM|Comoros
COG|Congo|Republic of the Congo|Congo, Republic of the|Congo-Brazzaville
COD|Democratic Republic of the Congo|Congo, Democratic Republic of the|DR Congo|Congo-Kinshasa|Zaire
CRI|Costa Rica
CIV|Cote d'Ivoire|Côte d'Ivoire|Ivory Coast
HRV|Croatia
CUB|Cuba
CYP|Cyprus
CZE|Czechia|Czech Republic
DNK|Denmark
DJI|Djibouti
DMA|Dominica
DOM|Dominican Republic
ECU|Ecuador
EGY|Egypt
SLV|El Salvador
GNQ|Equatorial Guinea
ERI|Eritrea
EST|Estonia
SWZ|Eswatini|Swaziland
ETH|Ethiopia
FJI|Fiji
FIN|Finland
FRA|France
GAB|Gabon
GMB|Gambia|The Gambia
GEO|Georgia
D|Germany|DEU|Federal Republic of Germany
GHA|Ghana
GRC|Greece
GRD|Grenada
GTM|Guatemala
GIN|Guinea
GNB|Guinea-Bissau|Guinea Bissau
GUY|Guyana
HTI|Haiti
HND|Honduras
HKG|Hong Kong|Hong Kong SAR|Hong Kong, China
HUN|Hungary
ISL|Iceland
IND|India
IDN|Indonesia
IRN|Iran|Iran (Islamic Republic of)|Islamic Republic of Iran
IRQ|Iraq
IRL|Ireland
ISR|Israel
ITA|Italy
JAM|Jamaica
JPN|Japan
JOR|Jordan
KAZ|Kazakhstan
KEN|Kenya
KIR|Kiribati
PRK|Democratic People's Republic of Korea|Korea, North|North Korea|DPRK|Korea, Democratic People's Republic of
KOR|Republic of Korea|Korea, South|South Korea|Korea, Republic of
UNK|Kosovo
KWT|Kuwait
KGZ|Kyrgyzstan|Kyrgyz Republic
LAO|Laos|Lao People's Democratic Republic
LVA|Latvia
LBN|Lebanon
LSO|Lesotho
LBR|Liberia
LBY|Libya|Libyan Arab Jamahiriya
LIE|Liechtenstein
LTU|Lithuania
LUX|Luxembourg
MAC|Macau|Macao
MDG|Madagascar
MWI|Malawi
MYS|Malaysia
MDV|Maldives
MLI|Mali
MLT|Malta
MHL|Marshall Islands
MRT|Mauritania
MUS|Mauritius
MEX|Mexico
FSM|Micronesia|Micronesia (Federated States of)
MDA|Moldova|Republic of Moldova
MCO|Monaco
MNG|Mongolia
MNE|Montenegro
MAR|Morocco
MOZ|Mozambique
MMR|Myanmar|Burma
NAM|Namibia
NRU|Nauru
NPL|Nepal
NLD|Netherlands|The Netherlands
NZL|New Zealand
NIC|Nicaragua
NER|Niger
NGA|Nigeria
MKD|North Macedonia|Macedonia|Macedonia, The Former Yugoslav Republic of|The former Yugoslav Republic of Macedonia
NOR|Norway
OMN|Oman
PAK|Pakistan
PLW|Palau
PSE|State of Palestine|Palestine|Palestinian|Palestinian Territories|West Bank|Gaza
PAN|Panama
PNG|Papua New Guinea
PRY|Paraguay
PER|Peru
PHL|Philippines
POL|Poland
PRT|Portugal
QAT|Qatar
ROU|Romania
RUS|Russian Federation|Russia
RWA|Rwanda
KNA|Saint Kitts and Nevis
LCA|Saint Lucia
VCT|Saint Vincent and the Grenadines
WSM|Samoa
SMR|San Marino
STP|Sao Tome and Principe
SAU|Saudi Arabia
SEN|Senegal
SRB|Serbia
SYC|Seychelles
SLE|Sierra Leone
SGP|Singapore
SVK|Slovakia
SVN|Slovenia
SLB|Solomon Islands
SOM|Somalia
ZAF|South Africa
SSD|South Sudan
ESP|Spain
LKA|Sri Lanka
SDN|Sudan
SUR|Suriname
SWE|Sweden
CHE|Switzerland
SYR|Syrian Arab Republic|Syria
TWN|Taiwan
TJK|Tajikistan
TZA|United Republic of Tanzania|Tanzania
THA|Thailand
TLS|Timor-Leste|East Timor
TGO|Togo
TON|Tonga
TTO|Trinidad and Tobago
TUN|Tunisia
TUR|Türkiye|Turkey|Turkiye
TKM|Turkmenistan
TUV|Tuvalu
UGA|Uganda
UKR|Ukraine
ARE|United Arab Emirates|UAE
GBR|United Kingdom of Great Britain and Northern Ireland|United Kingdom|UK|Great Britain
USA|United States of America|United States|USA|US
URY|Uruguay
UZB|Uzbekistan
VUT|Vanuatu
VAT|Holy See|Vatican
VEN|Venezuela|Venezuela (Bolivarian Republic of)
VNM|Viet Nam|Vietnam
YEM|Yemen
ZMB|Zambia
ZWE|Zimbabwe
XXA|Stateless
"""


def _key(text: str) -> str:
    """Fold a country name for lookup: no accents, lower case, letters and digits only."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"\bthe\b", " ", text.lower())
    return re.sub(r"[^a-z0-9]+", "", text)


NAMES: dict[str, str] = {}
CODES: dict[str, str] = {}
for _line in _TABLE.strip().splitlines():
    _code, _name, *_aliases = _line.split("|")
    CODES[_code] = _name
    for _n in (_name, *_aliases):
        NAMES[_key(_n)] = _code
NAMES[_key("DEU")] = "D"


def country_code(text: str | None) -> str:
    """ICAO code for a country name or code as lists write it, or '' when unknown."""
    if not text:
        return ""
    raw = text.strip().rstrip(".").strip()
    if not raw:
        return ""
    upper = raw.upper().replace("<", "")
    if upper in CODES:
        return upper
    if upper == "DEU":
        return "D"
    code = NAMES.get(_key(raw))
    if code:
        return code
    # "Cabo Verde.  Previously Cape Verde", "possibly Palestinian": try the first sentence, the last word group
    first = re.split(r"[.;(]", raw)[0]
    code = NAMES.get(_key(first))
    if code:
        return code
    if raw.lower().startswith("possibly "):
        return country_code(raw[9:])
    return ""


def normalize_state(code: str | None) -> str:
    """Normalise an issuing-state code from a user or a file: 'deu' -> 'D', 'D<<' -> 'D', names too."""
    if not code:
        return ""
    text = code.strip()
    compact = text.upper().replace("<", "")
    if compact == "DEU":
        return "D"
    if compact.isalpha() and 1 <= len(compact) <= 3:
        return compact
    return country_code(text)
