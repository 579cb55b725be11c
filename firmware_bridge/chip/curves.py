"""Domain parameters of PACE and Chip Authentication: elliptic curves and RFC 5114 DH groups.

Elliptic-curve arithmetic on arbitrary generators (needed by the PACE generic mapping, which
``cryptography`` cannot do) comes from the ``ecdsa`` package; curve constants come from there
too. Both kinds of domain share one small interface so PACE and CA need not care which is used.
"""

from __future__ import annotations

import secrets

from ecdsa import curves as _ec
from ecdsa.ellipticcurve import INFINITY, PointJacobi

from .errors import ProtocolError, UnsupportedError

#: RFC 5114 groups (PACE standardized domain parameters 0, 1 and 2): name -> (p, q, g)
DH_GROUPS = {
    "MODP-1024-160": (
        int(
            "b10b8f96a080e01dde92de5eae5d54ec52c99fbcfb06a3c69a6a9dca52d23b616073e28675a23d18"
            "9838ef1e2ee652c013ecb4aea906112324975c3cd49b83bfaccbdd7d90c4bd7098488e9c219a7372"
            "4effd6fae5644738faa31a4ff55bccc0a151af5f0dc8b4bd45bf37df365c1a65e68cfda76d4da708"
            "df1fb2bc2e4a4371"
            , 16),
        int(
            "f518aa8781a8df278aba4e7d64b7cb9d49462353"
            , 16),
        int(
            "a4d1cbd5c3fd34126765a442efb99905f8104dd258ac507fd6406cff14266d31266fea1e5c41564b"
            "777e690f5504f213160217b4b01b886a5e91547f9e2749f4d7fbd7d3b9a92ee1909d0d2263f80a76"
            "a6a24c087a091f531dbf0a0169b6a28ad662a4d18e73afa32d779d5918d08bc8858f4dcef97c2a24"
            "855e6eeb22b3b2e5"
            , 16),
    ),
    "MODP-2048-224": (
        int(
            "ad107e1e9123a9d0d660faa79559c51fa20d64e5683b9fd1b54b1597b61d0a75e6fa141df95a56db"
            "af9a3c407ba1df15eb3d688a309c180e1de6b85a1274a0a66d3f8152ad6ac2129037c9edefda4df8"
            "d91e8fef55b7394b7ad5b7d0b6c12207c9f98d11ed34dbf6c6ba0b2c8bbc27be6a00e0a0b9c49708"
            "b3bf8a317091883681286130bc8985db1602e714415d9330278273c7de31efdc7310f7121fd5a074"
            "15987d9adc0a486dcdf93acc44328387315d75e198c641a480cd86a1b9e587e8be60e69cc928b2b9"
            "c52172e413042e9b23f10b0e16e79763c9b53dcf4ba80a29e3fb73c16b8e75b97ef363e2ffa31f71"
            "cf9de5384e71b81c0ac4dffe0c10e64f"
            , 16),
        int(
            "801c0d34c58d93fe997177101f80535a4738cebcbf389a99b36371eb"
            , 16),
        int(
            "ac4032ef4f2d9ae39df30b5c8ffdac506cdebe7b89998caf74866a08cfe4ffe3a6824a4e10b9a6f0"
            "dd921f01a70c4afaab739d7700c29f52c57db17c620a8652be5e9001a8d66ad7c17669101999024a"
            "f4d027275ac1348bb8a762d0521bc98ae247150422ea1ed409939d54da7460cdb5f6c6b250717cbe"
            "f180eb34118e98d119529a45d6f834566e3025e316a330efbb77a86f0c1ab15b051ae3d428c8f8ac"
            "b70a8137150b8eeb10e183edd19963ddd9e263e4770589ef6aa21e7f5f2ff381b539cce3409d13cd"
            "566afbb48d6c019181e1bcfe94b30269edfe72fe9b6aa4bd7b5a0f1c71cfff4c19c418e1f6ec0179"
            "81bc087f2a7065b384b890d3191f2bfa"
            , 16),
    ),
    "MODP-2048-256": (
        int(
            "87a8e61db4b6663cffbbd19c651959998ceef608660dd0f25d2ceed4435e3b00e00df8f1d61957d4"
            "faf7df4561b2aa3016c3d91134096faa3bf4296d830e9a7c209e0c6497517abd5a8a9d306bcf67ed"
            "91f9e6725b4758c022e0b1ef4275bf7b6c5bfc11d45f9088b941f54eb1e59bb8bc39a0bf12307f5c"
            "4fdb70c581b23f76b63acae1caa6b7902d52526735488a0ef13c6d9a51bfa4ab3ad8347796524d8e"
            "f6a167b5a41825d967e144e5140564251ccacb83e6b486f6b3ca3f7971506026c0b857f689962856"
            "ded4010abd0be621c3a3960a54e710c375f26375d7014103a4b54330c198af126116d2276e11715f"
            "693877fad7ef09cadb094ae91e1a1597"
            , 16),
        int(
            "8cf83642a709a097b447997640129da299b1a47d1eb3750ba308b0fe64f5fbd3"
            , 16),
        int(
            "3fb32c9b73134d0b2e77506660edbd484ca7b18f21ef205407f4793a1a0ba12510dbc15077be463f"
            "ff4fed4aac0bb555be3a6c1b0c6b47b1bc3773bf7e8c6f62901228f8c28cbb18a55ae31341000a65"
            "0196f931c77a57f2ddf463e5e9ec144b777de62aaab8a8628ac376d282d6ed3864e67982428ebc83"
            "1d14348f6f2f9193b5045af2767164e1dfc967c1fb3f2e55a4bd1bffe83b9c80d052b985d182ea0a"
            "db2a3b7313d3fe14c8484b1e052588b9b7d2bbd2df016199ecd06e1557cd0915b3353bbb64e0ec37"
            "7fd028370df92b52c7891428cdc67eb6184b523d1db246c32f63078490f00ef8d647d148d4795451"
            "5e2327cfef98c582664b4c0f6cc41659"
            , 16),
    ),
}


class ECDomain:
    """An elliptic curve over a prime field with its standard generator."""

    kind = "EC"

    def __init__(self, name: str, spec):
        self.name = name
        self.spec = spec
        self.curve = spec.curve
        self.order = spec.order
        self.g = spec.generator
        self.size = (self.curve.p().bit_length() + 7) // 8
        self.asn1_name = _ASN1_NAMES[name]

    def __repr__(self) -> str:
        return f"ECDomain({self.name})"

    def random_private(self) -> int:
        """A private scalar in [1, order)."""
        return secrets.randbelow(self.order - 1) + 1

    def mul(self, element, k: int):
        """k times a point."""
        return element * k

    def keypair(self, generator=None):
        """(private scalar, public point) for ``generator`` (default the standard one)."""
        sk = self.random_private()
        return sk, (generator or self.g) * sk

    def encode(self, element) -> bytes:
        """Uncompressed point encoding 04 || X || Y."""
        if element == INFINITY:
            raise ProtocolError("point at infinity")
        return b"\x04" + element.x().to_bytes(self.size, "big") + element.y().to_bytes(self.size, "big")

    def decode(self, data: bytes):
        """A point from its uncompressed encoding, checked to lie on the curve."""
        if len(data) != 1 + 2 * self.size or data[0] != 4:
            raise ProtocolError("public point is not an uncompressed point of the curve")
        x = int.from_bytes(data[1:1 + self.size], "big")
        y = int.from_bytes(data[1 + self.size:], "big")
        p = self.curve.p()
        if not (x < p and y < p and self.curve.contains_point(x, y)):
            raise ProtocolError("public point is not on the curve")
        return PointJacobi(self.curve, x, y, 1, self.order)

    def shared_secret(self, element) -> bytes:
        """The x-coordinate of an agreed point (the ECDH shared secret)."""
        if element == INFINITY:
            raise ProtocolError("key agreement gave the point at infinity")
        return element.x().to_bytes(self.size, "big")

    def map_generic(self, s: int, h):
        """PACE generic mapping: s*G + H."""
        mapped = self.g * s + h
        if mapped == INFINITY:
            raise ProtocolError("mapped generator is the point at infinity")
        return PointJacobi(self.curve, mapped.x(), mapped.y(), 1, self.order)

    def same(self, a, b) -> bool:
        """Whether two points are equal."""
        return self.encode(a) == self.encode(b)


class DHDomain:
    """A prime-order subgroup of (Z/pZ)* from RFC 5114."""

    kind = "DH"

    def __init__(self, name: str, p: int, q: int, g: int):
        self.name, self.p, self.order, self.g = name, p, q, g
        self.size = (p.bit_length() + 7) // 8

    def __repr__(self) -> str:
        return f"DHDomain({self.name})"

    def random_private(self) -> int:
        """A private exponent in [1, q)."""
        return secrets.randbelow(self.order - 1) + 1

    def mul(self, element: int, k: int) -> int:
        """element ** k mod p."""
        return pow(element, k, self.p)

    def keypair(self, generator: int | None = None):
        """(private exponent, public value) for ``generator`` (default g)."""
        sk = self.random_private()
        return sk, pow(generator or self.g, sk, self.p)

    def encode(self, element: int) -> bytes:
        """The public value as an octet string of the length of p."""
        return element.to_bytes(self.size, "big")

    def decode(self, data: bytes) -> int:
        """A public value, checked to be in the subgroup."""
        y = int.from_bytes(data, "big")
        if not 1 < y < self.p - 1 or pow(y, self.order, self.p) != 1:
            raise ProtocolError("DH public value is not in the group")
        return y

    def shared_secret(self, element: int) -> bytes:
        """The agreed value as an octet string of the length of p."""
        return element.to_bytes(self.size, "big")

    def map_generic(self, s: int, h: int) -> int:
        """PACE generic mapping: g^s * h mod p."""
        mapped = pow(self.g, s, self.p) * h % self.p
        if mapped == 1:
            raise ProtocolError("mapped generator is 1")
        return mapped

    def same(self, a: int, b: int) -> bool:
        """Whether two values are equal."""
        return a == b


_EC_SPECS = {
    "P-192": _ec.NIST192p, "P-224": _ec.NIST224p, "P-256": _ec.NIST256p, "P-384": _ec.NIST384p,
    "P-521": _ec.NIST521p, "brainpoolP192r1": _ec.BRAINPOOLP192r1, "brainpoolP224r1": _ec.BRAINPOOLP224r1,
    "brainpoolP256r1": _ec.BRAINPOOLP256r1, "brainpoolP320r1": _ec.BRAINPOOLP320r1,
    "brainpoolP384r1": _ec.BRAINPOOLP384r1, "brainpoolP512r1": _ec.BRAINPOOLP512r1,
}
_ASN1_NAMES = {
    "P-192": "secp192r1", "P-224": "secp224r1", "P-256": "secp256r1", "P-384": "secp384r1", "P-521": "secp521r1",
    "brainpoolP192r1": "brainpoolp192r1", "brainpoolP224r1": "brainpoolp224r1", "brainpoolP256r1": "brainpoolp256r1",
    "brainpoolP320r1": "brainpoolp320r1", "brainpoolP384r1": "brainpoolp384r1", "brainpoolP512r1": "brainpoolp512r1",
}
DOMAINS: dict[str, ECDomain | DHDomain] = {name: ECDomain(name, spec) for name, spec in _EC_SPECS.items()}
DOMAINS.update({name: DHDomain(name, *params) for name, params in DH_GROUPS.items()})

#: PACE standardized domain parameter identifiers (9303 part 11, table 6)
STANDARD_IDS = {
    0: "MODP-1024-160", 1: "MODP-2048-224", 2: "MODP-2048-256", 8: "P-192", 9: "brainpoolP192r1",
    10: "P-224", 11: "brainpoolP224r1", 12: "P-256", 13: "brainpoolP256r1", 14: "brainpoolP320r1",
    15: "P-384", 16: "brainpoolP384r1", 17: "brainpoolP512r1", 18: "P-521",
}
STANDARD_ID_OF = {name: pid for pid, name in STANDARD_IDS.items()}


def by_standard_id(pid: int):
    """The domain of a PACE standardized parameter id; UnsupportedError for others."""
    name = STANDARD_IDS.get(pid)
    if name is None:
        raise UnsupportedError(f"PACE domain parameter id {pid} is not a standardized one")
    return DOMAINS[name]


def by_asn1_name(named_curve: str) -> ECDomain | None:
    """The curve for an asn1crypto named-curve name (``secp256r1``, ``brainpoolp256r1``)."""
    for dom in DOMAINS.values():
        if dom.kind == "EC" and dom.asn1_name == named_curve:
            return dom
    return None


def ec_by_params(p: int, a: int, b: int, gx: int, gy: int, n: int) -> ECDomain | None:
    """The known curve with these explicit parameters (as many passports encode them), or None."""
    for dom in DOMAINS.values():
        if dom.kind != "EC":
            continue
        c = dom.curve
        if (c.p(), c.a() % c.p(), c.b(), dom.g.x(), dom.g.y(), dom.order) == (p, a % p, b, gx, gy, n):
            return dom
    return None


def dh_by_params(p: int, g: int) -> DHDomain | None:
    """The RFC 5114 group with this p and g, or None."""
    for dom in DOMAINS.values():
        if dom.kind == "DH" and dom.p == p and dom.g == g:
            return dom
    return None
