"""Image lanes: files in, reads out, every file moved to done/ or failed/, none lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from firmware_bridge.delivery import Deliverer
from firmware_bridge.queue import DeliveryQueue
from firmware_bridge.watch import ImageWatcher

from .conftest import SPECIMEN_TD3

OCRB = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")


def render_document(path: Path, mrz: str) -> Path:
    """A plain document page with the MRZ printed in OCR-B at the bottom."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(OCRB), 36)
    img = Image.new("L", (1250, 880), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 20, 1230, 860), outline=0, width=3)
    draw.text((60, 80), "UTOPIA  PASSPORT  SPECIMEN", font=font, fill=0)
    for i, line in enumerate(mrz.split("\n")):
        draw.text((60, 720 + 55 * i), line, font=font, fill=0)
    img.save(path)
    return path


@pytest.mark.slow
@pytest.mark.skipif(not OCRB.exists() or not shutil.which("tesseract"), reason="needs the OCR-B font and tesseract")
def test_an_image_goes_through_ocr_and_the_mrz_engine_end_to_end(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    render_document(inbox / "scan-0001.png", SPECIMEN_TD3)
    got: list[dict] = []
    watcher = ImageWatcher(inbox, "desk", got.append)
    watcher.prepare()
    assert watcher.scan_once(settle=False) == 1
    assert not (inbox / "scan-0001.png").exists()
    done = (inbox / "done" / "scan-0001.png").exists()
    failed = (inbox / "failed" / "scan-0001.png").exists()
    assert done != failed  # moved exactly once
    if got:  # the OCR found text: delivered like a serial read
        [read] = got
        assert read["source"] == "image" and read["lane"] == "desk" and read["profile"] == "image"
        assert (read["status"] == "ok") == done
        if done:
            assert read["mrz"] == SPECIMEN_TD3 and read["document"]["valid"] is True
    else:
        assert failed and (inbox / "failed" / "scan-0001.png.reason.txt").exists()


def test_a_file_stays_when_its_read_cannot_be_queued(tmp_path):
    from firmware_bridge.ocr import ImageRead

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    image = inbox / "scan.png"
    image.write_bytes(b"\x89PNG placeholder: the reader below stands in for the OCR")

    def reader(path):  # the OCR's answer for a good scan (OCR itself is tested in tests/ocr)
        return ImageRead(status="ok", mrz=SPECIMEN_TD3, best_guess=SPECIMEN_TD3, document=None, elapsed_ms=1.0)

    queue = DeliveryQueue(tmp_path / "q", max_items=10)
    for i in range(10):
        queue.put({"lane": "x", "mrz": "", "source": "serial", "read_id": f"filler-{i}"})
    deliverer = Deliverer(queue, "http://127.0.0.1:9", "t")  # never started: the queue stays full
    watcher = ImageWatcher(inbox, "desk", deliverer, reader=reader)
    watcher.prepare()
    assert watcher.scan_once(settle=False) == 0
    assert image.exists()  # not lost: tried again on the next scan
    queue.ack(queue.peek(1)[0][0])
    assert watcher.scan_once(settle=False) == 1
    assert (inbox / "done" / "scan.png").exists()
    body = queue.peek(20)[-1][1]
    assert {k: body[k] for k in ("lane", "mrz", "source", "profile")} == {
        "lane": "desk", "mrz": SPECIMEN_TD3, "source": "image", "profile": "image",
    }
    assert body["read_id"] and body["received_at"]


def test_files_still_being_written_wait_for_a_stable_size(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("x")
    (inbox / "b.part").write_text("partial upload")
    watcher = ImageWatcher(inbox, "desk", lambda read: None)
    watcher.prepare()
    assert watcher.scan_once() == 0  # first sight: size noted
    assert watcher.scan_once() == 1  # unchanged: processed (not an image: failed/)
    assert (inbox / "failed" / "a.txt").exists() and (inbox / "b.part").exists()
    (inbox / "a.txt").write_text("again")
    watcher.scan_once()
    watcher.scan_once()
    assert (inbox / "failed" / "a-1.txt").exists()  # a name clash never overwrites


def test_an_unconfirmed_guess_is_never_delivered_as_an_mrz(tmp_path):
    """A guess whose checks could not be confirmed goes out as a read error, the guess aside."""
    from firmware_bridge.ocr import ImageRead

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "scan.png").write_bytes(b"\x89PNG placeholder: the reader below stands in for the OCR")
    guess = SPECIMEN_TD3  # passes every check, yet the OCR could not confirm it

    def reader(path):
        return ImageRead(status="read_error", mrz=None, best_guess=guess, document=None, elapsed_ms=1.0)

    got: list[dict] = []
    watcher = ImageWatcher(inbox, "desk", got.append, reader=reader)
    watcher.prepare()
    assert watcher.scan_once(settle=False) == 1
    [read] = got
    assert read["status"] == "read_error"
    assert read["mrz"] == ""
    assert read["best_guess"] == guess
    assert (inbox / "failed" / "scan.png").exists()
