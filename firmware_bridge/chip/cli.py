"""``firmware-bridge chip``: read and verify a passport chip, make a test PKI, simulate a chip."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import ChipError

MAX_MRZ_FILE = 4096


def _read_mrz_file(path: str) -> str:
    """The MRZ text of a file (at most 4 KiB of UTF-8)."""
    try:
        data = Path(path).read_bytes()[: MAX_MRZ_FILE + 1]
    except OSError as exc:
        raise ChipError(f"cannot read the MRZ file: {exc.strerror}") from None
    if len(data) > MAX_MRZ_FILE:
        raise ChipError("the MRZ file is too large to hold an MRZ")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ChipError("the MRZ file is not text") from None


def box_trust_dir(ctx: click.Context) -> Path:
    """The box's trust store directory: <data_dir>/trust (kept by ``appliance trust import``)."""
    from appliance.config import load_config

    config = load_config((ctx.obj or {}).get("config"))
    return Path(config["appliance"]["data_dir"]) / "trust"


def _human(d: dict) -> str:
    lines = [f"chip: {d['chip']}" + (f" ({d['message']})" if d.get("message") else "")]
    if d["chip"] == "read":
        pa = d["passive_authentication"]
        lines.append(f"access: {d['access']}")
        lines.append(f"passive authentication: {pa['status']}" + (f" (CSCA {pa['csca_subject']})" if pa["csca_subject"] else ""))
        for p in pa["problems"]:
            lines.append(f"  - {p}")
        lines.append("data groups: " + ", ".join(f"{k} {v}" for k, v in pa["data_groups"].items()))
        lines.append(f"active authentication: {d['active_authentication']}")
        lines.append(f"chip authentication: {d['chip_authentication']}")
        lines.append(f"chip MRZ equals printed MRZ: {d['matches_printed_mrz']}")
        face = d["face_image"]
        lines.append(f"face image: {face['format']} {face['width']}x{face['height']}" if face else "face image: none")
        lines.append("result: " + ("genuine, every check passed" if not d["failures"] else "REFUSED: " + ", ".join(d["failures"])))
    lines.append(f"{d['elapsed_ms']:.0f} ms")
    return "\n".join(lines)


@click.group()
def chip() -> None:
    """Passport chips: read and verify (PC/SC), test PKI, virtual chip."""


@chip.command("read")
@click.option("--mrz-file", required=True, type=click.Path(dir_okay=False), help="File holding the printed MRZ (the chip's access key).")
@click.option("--reader", default=None, help="PC/SC reader name (or its beginning); default the first reader.")
@click.option("--trust", "trust_dir", type=click.Path(file_okay=False), default=None, help="Trust directory (CSCA certificates, CRLs, master lists); default the box's trust store.")
@click.option("--can", default=None, help="Card access number for PACE instead of the MRZ.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def read_cmd(ctx, mrz_file, reader, trust_dir, can, as_json):
    """Read the chip, check it is genuine and not a copy; exit 0 genuine, 1 a check failed, 2 unreadable."""
    try:
        from .reader import read_chip
        from .trust import TrustStore
    except ImportError as exc:
        raise ChipError(f"chip reading needs the chip extra (pip install 'border-screening-appliance[chip]'): {exc.name}") from None

    mrz = _read_mrz_file(mrz_file)
    directory = Path(trust_dir) if trust_dir else box_trust_dir(ctx)
    if trust_dir or directory.is_dir():
        trust = TrustStore.from_dir(directory)
    else:
        trust = TrustStore()
        trust.problems.append(f"the box's trust store {directory} is empty (appliance trust import)")
    result = read_chip(mrz, reader, trust, can=can)
    if result.passive is not None and not len(trust):
        result.passive.problems.append("the trust store holds no CSCA certificate")
    d = result.to_dict()
    click.echo(json.dumps(d, indent=2) if as_json else _human(d))
    ctx.exit(result.exit_code)


@chip.command("readers")
def readers_cmd():
    """List the PC/SC readers (a reader with an RF antenna reads chips)."""
    from .pcsc import list_readers

    names = list_readers()
    if not names:
        click.echo("no PC/SC readers")
    for name in names:
        click.echo(name)


@chip.group("pki")
def pki_group() -> None:
    """A test country PKI for virtual chips."""


@pki_group.command("create")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--algorithm", type=click.Choice(["ecdsa", "rsa", "rsa-pss"]), default="ecdsa", show_default=True, help="Key and signature algorithm.")
@click.option("--country", default="UTO", show_default=True, help="Country code put in the certificates.")
def pki_create(directory, algorithm, country):
    """Write a test CSCA, document signers (valid, expired, revoked), a CRL and a master list to DIRECTORY."""
    from .pki import create_pki

    paths = create_pki(directory, country=country, algorithm=algorithm)
    click.echo(f"test PKI written to {directory}; trust it with --trust {Path(directory) / 'trust'}")
    for name, path in paths.items():
        click.echo(f"  {name}: {path}", err=True)


@chip.command("simulate")
@click.option("--mrz-file", required=True, type=click.Path(dir_okay=False), help="MRZ of the virtual passport.")
@click.option("--pki", "pki_dir", required=True, type=click.Path(file_okay=False), help="Directory made by `chip pki create`.")
@click.option("--face", type=click.Path(dir_okay=False), default=None, help="Face image for DG2 (JPEG or JPEG 2000); default a drawn portrait.")
@click.option("--tamper", type=click.Choice(["dg1", "dg2", "sod"]), default=None, help="Change this file after signing.")
@click.option("--clone", is_flag=True, help="A copy: same data, but not the chip's private keys.")
@click.option("--expired-dsc", is_flag=True, help="Sign with the expired document signer.")
@click.option("--revoked-dsc", is_flag=True, help="Sign with the document signer revoked by the CRL.")
@click.option("--no-aa", is_flag=True, help="A chip without active authentication (no DG15).")
@click.option("--no-ca", is_flag=True, help="A chip without chip authentication (no DG14 key).")
@click.option("--no-pace", is_flag=True, help="Offer BAC only.")
@click.option("--no-bac", is_flag=True, help="Offer PACE only.")
@click.option("--pace-domain", default="brainpoolP256r1", show_default=True, help="PACE domain: P-224/256/384/521, brainpoolP224r1..P512r1, MODP-1024-160, MODP-2048-224/256.")
@click.option("--pace-cipher", type=click.Choice(["3DES", "AES-128", "AES-192", "AES-256"]), default="AES-128", show_default=True, help="PACE cipher.")
@click.option("--aa-key", type=click.Choice(["rsa", "ec"]), default="rsa", show_default=True, help="Active authentication key type.")
@click.option("--ca-cipher", type=click.Choice(["3DES", "AES-128", "AES-192", "AES-256"]), default="AES-128", show_default=True, help="Chip authentication cipher.")
@click.option("--no-extended-length", is_flag=True, help="Answer short APDUs only (the reader reads in chunks).")
@click.option("--slot", type=click.IntRange(0, 1), default=0, show_default=True, help="vpcd reader slot (Virtual PCD 00 00 or 00 01).")
@click.option("--remove-after", type=click.IntRange(0, None), default=None, help="Fault: remove the card after N command APDUs.")
def simulate_cmd(mrz_file, pki_dir, face, tamper, clone, expired_dsc, revoked_dsc, no_aa, no_ca, no_pace, no_bac,
                 pace_domain, pace_cipher, aa_key, ca_cipher, no_extended_length, slot, remove_after):
    """Present a virtual ePassport to PC/SC through vpcd; print `ready` once inserted; run until killed."""
    from .. import service
    from .curves import DOMAINS
    from .simulator import EmrtdCard, personalise
    from .simulator.vpcd import VPCD_PORT, VirtualCardSlot

    if pace_domain not in DOMAINS:
        raise ChipError(f"unknown PACE domain {pace_domain} (choose {', '.join(DOMAINS)})")
    try:
        image = Path(face).read_bytes() if face else None
    except OSError as exc:
        raise ChipError(f"cannot read the face image: {exc.strerror}") from None
    profile = personalise(_read_mrz_file(mrz_file), pki_dir, face=image, tamper=tamper, clone=clone,
                          expired_dsc=expired_dsc, revoked_dsc=revoked_dsc, no_aa=no_aa, pace=not no_pace,
                          pace_domain=pace_domain, pace_cipher=pace_cipher, bac=not no_bac, aa_type=aa_key,
                          ca=not no_ca, ca_cipher=ca_cipher, extended_length=not no_extended_length)
    slot_io = VirtualCardSlot(EmrtdCard(profile), port=VPCD_PORT + slot, remove_after=remove_after)
    with service.stop_on_signal() as done:
        slot_io.connect()
        import threading

        thread = threading.Thread(target=slot_io.serve, name="vpcd", daemon=True)
        thread.start()
        if not slot_io.powered.wait(15):
            slot_io.stop()
            raise ChipError("pcscd did not power the virtual card within 15 s (is pcscd running?)")
        click.echo("ready")
        sys.stdout.flush()
        click.echo(f"virtual passport in vpcd slot {slot}; Ctrl-C to remove it", err=True)
        try:
            service.wait_for(done)
        finally:
            slot_io.stop()
            thread.join(2)
