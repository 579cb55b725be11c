"""The logical data structure (9303 part 10): EF.COM and the data groups read by this reader."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import keys

from . import tlv
from .errors import LDSError
from .securityinfo import ParsedSecurityInfos, parse_security_infos

#: data group number -> its outer tag
DG_TAGS = {1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68, 9: 0x69, 10: 0x6A,
           11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70}
TAG_DGS = {tag: n for n, tag in DG_TAGS.items()}
MRZ_SHAPES = {88: (2, 44), 90: (3, 30), 72: (2, 36)}


@dataclass
class ComFile:
    """EF.COM: LDS and Unicode versions and the data groups present."""

    lds_version: str
    unicode_version: str
    data_groups: list[int]


def parse_com(data: bytes) -> ComFile:
    """Parse EF.COM."""
    body = tlv.unwrap(data, 0x60)
    lds = tlv.find(body, 0x5F01) or b""
    uni = tlv.find(body, 0x5F36) or b""
    tags = tlv.find(body, 0x5C)
    if tags is None:
        raise LDSError("EF.COM has no tag list")
    groups = sorted({TAG_DGS[t] for t in tags if t in TAG_DGS})
    return ComFile(lds.decode("ascii", "replace"), uni.decode("ascii", "replace"), groups)


def parse_dg1(data: bytes) -> str:
    """The MRZ held in DG1, as lines joined by newlines."""
    body = tlv.unwrap(data, 0x61)
    raw = tlv.find(body, 0x5F1F)
    if raw is None:
        raise LDSError("DG1 has no MRZ data element")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise LDSError("DG1's MRZ is not ASCII") from None
    shape = MRZ_SHAPES.get(len(text))
    if shape is None:
        raise LDSError(f"DG1's MRZ has {len(text)} characters, not a TD1, TD2 or TD3 length")
    n, width = shape
    return "\n".join(text[i * width:(i + 1) * width] for i in range(n))


@dataclass
class FaceImage:
    """The first face image of DG2 (ISO/IEC 19794-5 or ISO/IEC 39794-5 image data)."""

    format: str  # "jpeg", "jpeg2000" or "unknown"
    width: int
    height: int
    data: bytes

    def summary(self) -> dict:
        """The ``face_image`` object of ``chip read`` (no image bytes)."""
        return {"format": self.format, "width": self.width, "height": self.height,
                "sha256": hashlib.sha256(self.data).hexdigest()}


def image_format(data: bytes) -> str:
    """jpeg, jpeg2000 or unknown, from the image's magic bytes."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or data[:4] == b"\xff\x4f\xff\x51":
        return "jpeg2000"
    return "unknown"


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height by decoding the image header with Pillow (0, 0 when it cannot)."""
    try:
        import io

        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            return im.size
    except Exception:  # not decodable here (e.g. no OpenJPEG): size stays unknown
        return 0, 0


def parse_iso19794_5(block: bytes) -> FaceImage:
    """The first facial image in an ISO/IEC 19794-5 "FAC" record."""
    if block[:4] != b"FAC\x00" or len(block) < 14 + 20 + 12:
        raise LDSError("DG2 biometric data is not an ISO/IEC 19794-5 face record")
    pos = 14
    rec_len = int.from_bytes(block[pos:pos + 4], "big")
    points = int.from_bytes(block[pos + 4:pos + 6], "big")
    info = pos + 20 + 8 * points
    if info + 12 > len(block) or rec_len < 32 + 8 * points:
        raise LDSError("DG2 face record is truncated")
    width = int.from_bytes(block[info + 2:info + 4], "big")
    height = int.from_bytes(block[info + 4:info + 6], "big")
    start = info + 12
    end = min(len(block), pos + rec_len)
    image = block[start:end]
    if not image:
        raise LDSError("DG2 face record holds no image")
    fmt = image_format(image)
    if not width or not height:
        width, height = _image_size(image)
    return FaceImage(fmt, width, height, image)


def parse_dg2(data: bytes) -> FaceImage | None:
    """The first face image of DG2, or None when DG2 holds no biometric data block."""
    body = tlv.unwrap(data, 0x75)
    group = tlv.find(body, 0x7F61)
    if group is None:
        raise LDSError("DG2 has no biometric information group template")
    for tag, value in tlv.parse(group):
        if tag == 0x7F60:
            block = tlv.find(value, 0x5F2E) or tlv.find(value, 0x7F2E)
            if block is None:
                continue
            if block[:4] == b"FAC\x00":
                return parse_iso19794_5(block)
            fmt = image_format(block)
            if fmt != "unknown":
                return FaceImage(fmt, *_image_size(block), block)
            raise LDSError("DG2 biometric data block is in an unknown format")
    return None


def parse_dg7(data: bytes) -> bytes | None:
    """The first displayed signature image of DG7, or None."""
    body = tlv.unwrap(data, 0x67)
    return tlv.find(body, 0x5F43)


DG11_FIELDS = {0x5F0E: "full_name", 0x5F10: "personal_number", 0x5F2B: "full_date_of_birth", 0x5F11: "place_of_birth",
               0x5F42: "address", 0x5F12: "telephone", 0x5F13: "profession", 0x5F14: "title",
               0x5F15: "personal_summary", 0x5F17: "other_travel_documents", 0x5F18: "custody_information"}
DG12_FIELDS = {0x5F19: "issuing_authority", 0x5F26: "date_of_issue", 0x5F1B: "endorsements",
               0x5F1C: "tax_exit_requirements", 0x5F55: "personalization_time", 0x5F56: "personalization_device"}


def _text_fields(body: bytes, fields: dict[int, str]) -> dict[str, str]:
    out = {}
    for tag, value in tlv.parse(body):
        name = fields.get(tag)
        if name:
            out[name] = value.decode("utf-8", "replace") if tag != 0x5F26 or len(value) != 4 else value.hex()
    return out


def parse_dg11(data: bytes) -> dict[str, str]:
    """Additional personal details (DG11) as text fields."""
    return _text_fields(tlv.unwrap(data, 0x6B), DG11_FIELDS)


def parse_dg12(data: bytes) -> dict[str, str]:
    """Additional document details (DG12) as text fields."""
    return _text_fields(tlv.unwrap(data, 0x6C), DG12_FIELDS)


def parse_dg14(data: bytes) -> ParsedSecurityInfos:
    """The SecurityInfos of DG14 (chip authentication keys and protocols)."""
    return parse_security_infos(tlv.unwrap(data, 0x6E))


def parse_dg15(data: bytes) -> keys.PublicKeyInfo:
    """The active authentication public key of DG15."""
    try:
        spki = keys.PublicKeyInfo.load(tlv.unwrap(data, 0x6F))
        spki.native  # noqa: B018 - parse fully now
    except (ValueError, TypeError) as exc:
        raise LDSError(f"DG15 is not a public key: {exc}") from None
    return spki


def sod_content(data: bytes) -> bytes:
    """The CMS ContentInfo inside EF.SOD's 77 wrapper."""
    return tlv.unwrap(data, 0x77)
