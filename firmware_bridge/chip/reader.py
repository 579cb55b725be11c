"""Read and verify an eMRTD: access control, files, passive/active/chip authentication, MRZ check.

``read_chip(mrz, reader=None, trust=...)`` is the one call the CLI (and later the lanes) use;
``read_document(transport, key, trust)`` does the same over any APDU transport.
"""

from __future__ import annotations

import logging
import time

from . import lds
from .access import AccessKey
from .active import active_authenticate
from .bac import perform_bac
from .chipauth import chip_authenticate
from .errors import AccessDenied, ChipError, LDSError, ProtocolError, UnsupportedError
from .pace import PASSWORD_CAN, PASSWORD_MRZ, perform_pace
from .passive import verify_passive
from .result import ChipResult
from .securityinfo import parse_security_infos
from .session import Session
from .trust import TrustStore

log = logging.getLogger(__name__)
#: data groups this reader reads when the chip lists them (DG3/DG4 need terminal authentication)
WANTED = (1, 2, 7, 11, 12, 14, 15)


def _establish(session: Session, key: AccessKey) -> str:
    """PACE when EF.CardAccess offers it, else (or when PACE fails) BAC; return the method."""
    pace_refused = None
    try:
        card_access = session.read_file("CardAccess")
    except ChipError as exc:
        log.debug("EF.CardAccess unreadable: %s", exc)
        card_access = None
    if card_access:
        try:
            infos = parse_security_infos(card_access).pace
        except LDSError as exc:
            log.info("EF.CardAccess is malformed (%s); trying BAC", exc)
            infos = []
        for info in infos:
            try:
                session.sm = perform_pace(session, info, key.password, PASSWORD_MRZ if key.kind == "MRZ" else PASSWORD_CAN)
            except UnsupportedError as exc:
                log.debug("PACE variant skipped: %s", exc)
                continue
            except AccessDenied as exc:
                pace_refused = exc
                break
            except ProtocolError as exc:
                log.info("PACE failed (%s); trying BAC", exc)
                break
            session.select_applet()
            return "PACE"
    if key.kind != "MRZ":
        raise pace_refused or AccessDenied("the chip offers no PACE for a CAN")
    session.sm = None
    session.select_applet()
    try:
        session.sm = perform_bac(session, key.bac_seed)
    except AccessDenied:
        raise
    except ProtocolError as exc:
        if pace_refused is not None:
            raise pace_refused from None
        raise AccessDenied(f"the chip refused BAC ({exc})") from None
    return "BAC"


def _same_mrz(chip_mrz: str, printed: str | None) -> bool | None:
    if printed is None:
        return None
    norm = lambda s: "".join(s.split())  # noqa: E731 - line breaks and spaces are not part of the MRZ
    return norm(chip_mrz) == norm(printed)


def read_document(transport, key: AccessKey, trust: TrustStore, *, extended: bool = False, now=None) -> ChipResult:
    """Read and verify the chip behind ``transport`` (raises ChipError when it cannot be read)."""
    session = Session(transport, extended=extended)
    result = ChipResult("read")
    result.access = _establish(session, key)
    files: dict[int, bytes] = {}
    com = session.read_file("COM")
    listed = lds.parse_com(com).data_groups if com else [1, 2]
    sod = session.read_file("SOD")
    for n in WANTED:
        if n in listed or n in (1, 2):
            try:
                data = session.read_file(f"DG{n}")
            except ProtocolError as exc:
                if exc.sw in (0x6982, 0x6A82):
                    continue
                raise
            if data is not None:
                files[n] = data
    result.data_groups_read = [f"DG{n}" for n in sorted(files)]
    if 1 not in files:
        raise LDSError("the chip has no DG1")
    result.dg1_mrz = lds.parse_dg1(files[1])
    result.matches_printed_mrz = _same_mrz(result.dg1_mrz, key.printed_mrz)
    if 2 in files:
        try:
            result.face = lds.parse_dg2(files[2])
        except LDSError as exc:
            result.details["face_image"] = str(exc)
    if 7 in files:
        result.signature_image = _quiet(lds.parse_dg7, files[7], result, "DG7")
    if 11 in files:
        result.dg11 = _quiet(lds.parse_dg11, files[11], result, "DG11")
    if 12 in files:
        result.dg12 = _quiet(lds.parse_dg12, files[12], result, "DG12")
    if sod is None:
        from .passive import PassiveResult

        result.passive = PassiveResult("invalid_signature", problems=["the chip has no EF.SOD"])
    else:
        result.passive = verify_passive(sod, files, trust, now)
    dg14 = _quiet(lds.parse_dg14, files[14], result, "DG14") if 14 in files else None
    if 15 in files:
        spki = _quiet(lds.parse_dg15, files[15], result, "DG15")
        if spki is None:
            result.active_authentication = "invalid"
        else:
            status, detail = active_authenticate(session, spki, dg14.aa if dg14 else None)
            if status == "valid" and not result.passive.dg_valid(15):
                status, detail = "invalid", "the DG15 key is not covered by a valid EF.SOD signature"
            result.active_authentication, result.details["active_authentication"] = status, detail
    if dg14 is not None:
        status, detail = chip_authenticate(session, dg14)
        if status == "valid" and not result.passive.dg_valid(14):
            status, detail = "invalid", "the DG14 key is not covered by a valid EF.SOD signature"
        result.chip_authentication, result.details["chip_authentication"] = status, detail
    elif 14 in files:
        result.chip_authentication = "invalid"
    return result


def _quiet(parse, data, result: ChipResult, name: str):
    try:
        return parse(data)
    except (LDSError, UnsupportedError) as exc:
        result.details[name] = str(exc)
        return None


def read_chip(mrz: str | None = None, reader: str | None = None, trust: TrustStore | None = None, *,
              can: str | None = None, now=None) -> ChipResult:
    """Read the chip in a PC/SC reader with the printed MRZ (or a CAN); never raises ChipError."""
    from .pcsc import PcscTransport, extended_length_from_atr

    start = time.perf_counter()
    transport = PcscTransport(reader)
    try:
        key = AccessKey.from_can(can) if can else AccessKey.from_mrz(mrz or "")
        if can and mrz:
            key = AccessKey("CAN", can, AccessKey.from_mrz(mrz).printed_mrz)
        transport.open()
        result = read_document(transport, key, trust if trust is not None else TrustStore(),
                               extended=extended_length_from_atr(transport.atr), now=now)
    except ChipError as exc:
        result = ChipResult(exc.reason, message=str(exc))
        log.info("chip read ended: %s", exc)
    except Exception as exc:  # chip data is untrusted input: whatever it breaks, the read is an error
        log.debug("chip read failed", exc_info=True)
        log.warning("chip read failed: the chip's data could not be processed (%s)", type(exc).__name__)
        result = ChipResult("error", message=f"the chip's data could not be processed ({type(exc).__name__})")
    finally:
        transport.close()
    result.reader = transport.name
    result.elapsed_ms = (time.perf_counter() - start) * 1000
    return result
