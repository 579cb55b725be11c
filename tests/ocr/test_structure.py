"""The MRZ's structure applied to OCR text: pure functions, no images."""

from __future__ import annotations

from firmware_bridge.mrz.compose import compose
from firmware_bridge.ocr.fusion import align, names_agree
from firmware_bridge.ocr.structure import ambiguous, candidates, clean_lines, evaluate

TD3 = compose("TD3", issuing_state="UTO", surname="ERIKSSON", given_names="ANNA MARIA",
              document_number="L898902C3", nationality="UTO", birth_date="1974-08-12", sex="F",
              expiry_date="2032-04-15", optional_data="ZE184226B")
TD1 = compose("TD1", issuing_state="UTO", surname="SILVA", given_names="PIOTR", document_number="D23145890",
              nationality="UTO", birth_date="1974-08-12", sex="M", expiry_date="2031-01-01")


def test_clean_lines_keeps_mrz_characters_only():
    assert clean_lines("p<uto eriksson<<anna<maria«<<<<<<<<<<<\nshort\n") == ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<"]


def test_a_clean_read_is_valid():
    best = candidates(TD3)[0]
    assert best.fmt == "TD3" and best.valid and best.text == TD3


def test_character_classes_fix_letters_in_digit_fields():
    line1, line2 = TD3.split("\n")
    noisy = line2[:13] + line2[13:19].replace("0", "O").replace("1", "I") + line2[19:]
    best = candidates(line1 + "\n" + noisy)[0]
    assert best.valid and best.lines[1] == line2


def test_dropped_fillers_are_restored():
    line1, line2 = TD3.split("\n")
    best = candidates(line1.replace("<<<<<<", "<<<", 1) + "\n" + line2)[0]
    assert best.valid and best.text == TD3


def test_a_wrong_check_digit_is_not_valid():
    line1, line2 = TD3.split("\n")
    wrong = line2[:9] + str((int(line2[9]) + 1) % 10) + line2[10:]
    assert not any(c.valid for c in candidates(line1 + "\n" + wrong))


def test_the_name_is_never_guessed():
    """Fillers read as K next to a name, or digits inside it, make the read doubtful."""
    line1, line2 = TD3.split("\n")
    fillers_as_k = line1.replace("ANNA<MARIA<<", "ANNA<MARIAK<")
    assert not evaluate("TD3", [fillers_as_k, line2]).valid
    digit_in_name = line1.replace("ERIKSSON", "ER1KSSON")
    assert not any(c.valid for c in candidates(digit_in_name + "\n" + line2))


def test_fillers_after_the_name_are_cleaned():
    line1, line2, line3 = TD1.split("\n")
    tail_k = line3[:-6] + "KK<KKK"
    best = candidates("\n".join((line1, line2, tail_k)))[0]
    assert best.valid and best.text == TD1


def test_swaps_the_check_digit_cannot_see_are_ambiguous():
    """8/S and 9/J have values 10 apart, so the 7-3-1 check digit cannot tell them."""
    doc = compose("TD3", issuing_state="UTO", surname="DOE", given_names="JANE", document_number="AB8C12345",
                  nationality="UTO", birth_date="1980-01-01", sex="F", expiry_date="2030-01-01")
    assert ambiguous("TD3", doc.split("\n"))
    plain = compose("TD3", issuing_state="UTO", surname="DOE", given_names="JANE", document_number="XKYXKYXK",
                    nationality="UTO", birth_date="1980-01-01", sex="F", expiry_date="2030-01-01")
    assert not ambiguous("TD3", plain.split("\n"))


def test_names_agree_ignores_filler_lookalikes_only():
    assert names_agree("ANNA<MARIA<<<<", "ANNAKMARIAK<<<")
    assert not names_agree("ANNA<MARIA<<<<", "ANNA<MAFIA<<<<")


def test_align_fits_a_read_onto_the_grid():
    assert align("ANNA<<<MARIA<", "ANNA<MARIA<<") == "ANNA<MARIA<<"
    assert align("ANNA<MARIA<<", "ANNA<MARIA<<") == "ANNA<MARIA<<"


def _glyph_reads(lines, margin_at):
    """LineReads preferring each read character by 0.2, except given cells (by the margin given)."""
    import numpy as np

    from firmware_bridge.ocr.glyphs import CHARSET, LineRead

    reads = []
    for li, line in enumerate(lines):
        matrix = np.full((len(line), len(CHARSET)), 0.5, dtype=np.float32)
        for i, ch in enumerate(line):
            matrix[i, CHARSET.index(ch)] = 0.5 + margin_at.get((li, i), 0.2)
        alts = [[(ch, float(matrix[i].max())), ("<", 0.5)] for i, ch in enumerate(line)]
        reads.append(LineRead(line, [a[0][1] for a in alts], alts, matrix))
    return reads


def test_a_check_blind_swap_needs_a_clear_glyph_preference():
    """0 read as U (values 10 apart, the check digit cannot tell): a 0.056 lead is not enough."""
    from firmware_bridge.ocr.structure import ambiguous

    lines = ["IDKENUUFSZDJ4K4<<<<<<<<<<<<<<<", "9606210M3208313PHL<<<<<<<<<<<4",
             "OKAFOR<<ERIK<<<<<<<<<<<<<<<<<<"]
    assert evaluate("TD1", lines, True).valid
    assert ambiguous("TD1", lines)  # U0FSZDJ4K passes the same check digit
    assert not ambiguous("TD1", lines, _glyph_reads(lines, {}))
    assert ambiguous("TD1", lines, _glyph_reads(lines, {(0, 5): 0.056}))
