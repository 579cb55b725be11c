"""Fixtures of the store tests: a database in a fresh data directory and small list files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from appliance.store.db import connect, database_path

UN_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<CONSOLIDATED_LIST dateGenerated="2025-01-02T03:04:05.000Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>1</DATAID>
      <FIRST_NAME>JOHN</FIRST_NAME>
      <SECOND_NAME>EXAMPLE</SECOND_NAME>
      <THIRD_NAME>TESTER</THIRD_NAME>
      <UN_LIST_TYPE>Test</UN_LIST_TYPE>
      <REFERENCE_NUMBER>TSi.001</REFERENCE_NUMBER>
      <LISTED_ON>2020-01-01</LISTED_ON>
      <NAME_ORIGINAL_SCRIPT>جون مثال</NAME_ORIGINAL_SCRIPT>
      <GENDER>Male</GENDER>
      <COMMENTS1>Fictitious person for tests.</COMMENTS1>
      <NATIONALITY><VALUE>Iran (Islamic Republic of)</VALUE><VALUE>France</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>JOHNNY EXAMPLE</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>THE TESTER</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1970-05-17</DATE></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1971</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1965</FROM_YEAR><TO_YEAR>1968</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>K-348486</NUMBER><ISSUING_COUNTRY>Iran (Islamic Republic of)</ISSUING_COUNTRY></INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>Foreign travel passport number 7654321098765 (expired 2016)</NUMBER></INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT><NUMBER>TR-P 614 166</NUMBER><ISSUING_COUNTRY>Türkiye</ISSUING_COUNTRY></INDIVIDUAL_DOCUMENT>
    </INDIVIDUAL>
    <INDIVIDUAL>
      <DATAID>2</DATAID>
      <FIRST_NAME>JANE</FIRST_NAME>
      <SECOND_NAME>SAMPLE</SECOND_NAME>
      <UN_LIST_TYPE>Test</UN_LIST_TYPE>
      <REFERENCE_NUMBER>TSi.002</REFERENCE_NUMBER>
      <GENDER>Female</GENDER>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1980</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>3</DATAID>
      <FIRST_NAME>EXAMPLE TRADING CO</FIRST_NAME>
      <UN_LIST_TYPE>Test</UN_LIST_TYPE>
      <REFERENCE_NUMBER>TSe.001</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>EXTRACO</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""

OFAC_SDN = (
    '101,"DOE, John Quincy","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 19 Jun 1951; alt. DOB 1952; POB Cairo, Egypt; nationality Egypt; Gender Male; '
    'Passport 1084010 (Egypt); alt. Passport 19820215; National ID No. 12345678 (Egypt)."\r\n'
    '102,"EXAMPLE SHIPPING LTD.",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Website www.example.test."\r\n'
    '103,"ROE, Richard","individual","SDNTK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB circa 1960; citizen Colombia; Passport AB 149814 (Colombia) issued 01 Jan 2010 expires 01 Jan 2020; alt. "\r\n'
    '104,"SEA EXAMPLE","vessel","CUBA",-0- ,-0- ,"Cargo",-0- ,-0- ,"Cuba",-0- ,-0- \r\n'
    "\x1a"
)
OFAC_ALT = '101,1,"aka","DOE, Johnny",-0- \r\n101,2,"fka","DOUGH, John",-0- \r\n102,3,"aka","EXSHIP",-0- \r\n'
OFAC_COMMENTS = '103,"DOB 1955 to 1958; Gender Male."\r\n'
OFAC_ADD = '101,1,-0- ,"Cairo","Egypt",-0- \r\n'

WATCHLIST_CSV = (
    "entry_id,name,entity_type,aliases,dates_of_birth,nationalities,sex,documents,programme,remarks,listed_on\n"
    "N-1,Maria Fictitia,individual,Mary Fict|M. Fictitia,1975-03-02|1976,ESP|Portugal,F,P:ESP:XDA123456|I::99887766Q,"
    "national,test entry,2023-04-05\n"
    "N-2,Fictional Org,entity,,,,,,national,,\n"
)

WATCHLIST_NDJSON = (
    '{"entry_id": "J-1", "name": "Ivan Primer", "aliases": ["Vanya Primer"], "dates_of_birth": ["circa 1966"],'
    ' "nationalities": ["RUS"], "sex": "M", "documents": [{"document_type": "P", "number": "71 1234567",'
    ' "issuing_state": "RUS"}]}\n'
    '\n'
    '{"entry_id": "J-2", "entity_type": "entity", "names": [{"name": "Primer Holdings", "kind": "primary"}]}\n'
)

DOCUMENTS_CSV = (
    "issuing_state,document_type,document_number,status,reported_on,reference\n"
    "FRA,P,12AB34567,stolen,2024-01-02,R1\n"
    "DEU,P,C01X00T47,lost,,\n"
    "GBR,P,ABC1234567890,revoked,2020-05-05,R3\n"
    "ESP,I,K-348486,stolen_blank,2019-12-31,R4\n"
    "ITA,V,YA 0000001,invalidated,2018-01-01,\n"
)


def write(path: Path, text: str | bytes) -> Path:
    """Write a fixture file (text as UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


@pytest.fixture
def db(data_dir):
    """The store of a fresh data directory."""
    d = connect(database_path(data_dir))
    yield d
    d.conn.close()


@pytest.fixture
def files(tmp_path) -> dict[str, list[Path]]:
    """Small fixture files of every format."""
    src = tmp_path / "src"
    return {
        "un-xml": [write(src / "un.xml", UN_XML)],
        "ofac-csv": [write(src / "sdn.csv", OFAC_SDN), write(src / "alt.csv", OFAC_ALT),
                     write(src / "sdn_comments.csv", OFAC_COMMENTS), write(src / "add.csv", OFAC_ADD)],
        "csv": [write(src / "national.csv", WATCHLIST_CSV)],
        "ndjson": [write(src / "national.ndjson", WATCHLIST_NDJSON)],
        "documents-csv": [write(src / "sltd.csv", DOCUMENTS_CSV)],
    }


STORE_TABLES = ("lists", "list_imports", "watchlist_", "screening_")


def snapshot(data_dir: Path) -> tuple:
    """Everything a user could observe of the lists: their tables (and the screening index
    derived from them) dumped row by row, and the list files.

    Other areas' tables are left out: their migrations may change while these tests run.
    """
    import sqlite3

    conn = sqlite3.connect(str(data_dir / "appliance.db"))
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                  if r[0].startswith(STORE_TABLES)]
        lines = []
        for t in tables:
            lines.append(conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (t,)).fetchone()[0])
            lines += [repr(row) for row in conn.execute(f'SELECT * FROM "{t}" ORDER BY 1')]
        dump = "\n".join(lines)
    finally:
        conn.close()
    lists_dir = data_dir / "lists"
    files = {}
    if lists_dir.is_dir():
        for p in sorted(lists_dir.iterdir()):
            if p.name.endswith((".db",)):
                c = sqlite3.connect(str(p))
                files[p.name] = hashlib.sha256("\n".join(c.iterdump()).encode()).hexdigest()
                c.close()
            elif not p.name.endswith(("-wal", "-shm")):
                files[p.name] = "other"
    return dump, files
