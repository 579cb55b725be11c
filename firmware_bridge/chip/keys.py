"""Public keys as found in eMRTDs and their certificates, and signature verification.

Passports and their certificates often carry EC keys with *explicit* curve parameters, which
``cryptography`` does not load: such keys are matched to the named curve with the same
parameters. Signatures: RSA PKCS#1 v1.5, RSA-PSS, ECDSA (DER) and ECDSA "plain" (r || s).
"""

from __future__ import annotations

from asn1crypto import algos, keys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from . import curves
from .errors import UnsupportedError

HASHES = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
          "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    """A ``cryptography`` hash from an asn1crypto name (sha1, sha256, ...)."""
    try:
        return HASHES[name]()
    except KeyError:
        raise UnsupportedError(f"hash algorithm {name} is not supported") from None


def ec_domain(spki: keys.PublicKeyInfo) -> curves.ECDomain:
    """The curve of an EC public key, named or given by explicit parameters."""
    params = spki["algorithm"]["parameters"]
    if params.name == "named":
        dom = curves.by_asn1_name(params.chosen.native)
    elif params.name == "specified":
        spec = params.chosen
        p = spec["field_id"]["parameters"].native
        a = int.from_bytes(spec["curve"]["a"].native, "big")
        b = int.from_bytes(spec["curve"]["b"].native, "big")
        base = spec["base"].native
        size = (len(base) - 1) // 2
        gx, gy = int.from_bytes(base[1:1 + size], "big"), int.from_bytes(base[1 + size:], "big")
        dom = curves.ec_by_params(p, a, b, gx, gy, spec["order"].native)
    else:
        dom = None
    if dom is None:
        raise UnsupportedError("EC key on a curve this reader does not know")
    return dom


def load_public_key(spki: keys.PublicKeyInfo):
    """A ``cryptography`` public key (RSA or EC) from a SubjectPublicKeyInfo."""
    algo = spki["algorithm"]["algorithm"].native
    try:
        if algo == "ec":
            dom = ec_domain(spki)
            named = keys.PublicKeyInfo({
                "algorithm": {"algorithm": "ec", "parameters": keys.ECDomainParameters(name="named", value=dom.asn1_name)},
                "public_key": spki["public_key"].native,
            })
            return serialization.load_der_public_key(named.dump())
        if algo in ("rsa", "rsassa_pss"):
            n, e = spki["public_key"].parsed["modulus"].native, spki["public_key"].parsed["public_exponent"].native
            return rsa.RSAPublicNumbers(e, n).public_key()
    except (ValueError, TypeError) as exc:
        raise UnsupportedError(f"unusable {algo} public key: {exc}") from exc
    raise UnsupportedError(f"public key algorithm {algo} is not supported")


def plain_to_der(signature: bytes) -> bytes:
    """ECDSA r || s (TR-03111 plain format) to the DER form ``cryptography`` verifies."""
    half = len(signature) // 2
    if not signature or len(signature) % 2:
        raise ValueError("plain ECDSA signature has an odd length")
    return utils.encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big"))


def verify(public_key, algorithm: algos.SignedDigestAlgorithm, signature: bytes, data: bytes,
           digest_hint: str | None = None) -> bool:
    """Whether ``signature`` over ``data`` is valid for this key and CMS/X.509 signature algorithm."""
    name = algorithm["algorithm"].native
    try:
        sig_algo = algorithm.signature_algo
    except ValueError:
        sig_algo = name
    try:
        hash_name = algorithm.hash_algo
    except ValueError:  # rsaEncryption / ecPublicKey: the hash comes from the digest algorithm
        hash_name = digest_hint
    try:
        if sig_algo == "rsassa_pss":
            params = algorithm["parameters"]
            h = hash_algorithm(params["hash_algorithm"]["algorithm"].native)
            mgf_h = hash_algorithm(params["mask_gen_algorithm"]["parameters"]["algorithm"].native)
            if not isinstance(public_key, rsa.RSAPublicKey):
                return False
            public_key.verify(signature, data, padding.PSS(padding.MGF1(mgf_h), params["salt_length"].native), h)
            return True
        if hash_name is None:
            raise UnsupportedError(f"signature algorithm {name} has no hash")
        h = hash_algorithm(hash_name)
        if sig_algo == "rsassa_pkcs1v15":
            if not isinstance(public_key, rsa.RSAPublicKey):
                return False
            public_key.verify(signature, data, padding.PKCS1v15(), h)
            return True
        if sig_algo == "ecdsa":
            if not isinstance(public_key, ec.EllipticCurvePublicKey):
                return False
            public_key.verify(signature, data, ec.ECDSA(h))
            return True
    except InvalidSignature:
        return False
    except ValueError:  # a malformed signature value is an invalid signature
        return False
    raise UnsupportedError(f"signature algorithm {name} is not supported")


def verify_plain_ecdsa(public_key, hash_name: str, signature: bytes, data: bytes) -> bool:
    """Whether a plain (r || s) ECDSA signature is valid."""
    try:
        public_key.verify(plain_to_der(signature), data, ec.ECDSA(hash_algorithm(hash_name)))
        return True
    except (InvalidSignature, ValueError):
        return False
