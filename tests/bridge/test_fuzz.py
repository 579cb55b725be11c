"""Any bytes, cut anywhere, into any profile: decoders never raise and never invent lines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.profiles import PROFILES, decoder_for, encode

from .conftest import SPECIMEN_TD1, SPECIMEN_TD3

ENVELOPES = [encode(p, doc.split("\n")) for p in PROFILES if p != "auto" for doc in (SPECIMEN_TD3, SPECIMEN_TD1)]
chunks = st.lists(
    st.one_of(st.binary(max_size=40), st.sampled_from(ENVELOPES), st.sampled_from([b"\r", b"\x02", b"\x03", b"\x01OU\x02", b"\x1c\x02", b"I\x00"])),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(profile=st.sampled_from(PROFILES), parts=chunks)
def test_decoders_survive_any_input(profile, parts):
    dec = decoder_for(profile)
    t = 0.0
    frames = []
    for part in parts:
        t += 0.01
        frames += dec.feed(part, t)
        frames += dec.idle(t)
    frames += dec.idle(t + 60)
    for frame in frames:
        assert all(isinstance(line, str) and line and "\r" not in line for line in frame.lines)
    assert not dec.pending or profile in ("auto",)
