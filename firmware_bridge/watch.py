"""Image lanes: full-page scanners and cameras that drop image files into a folder.

Each new file (once its size stopped changing) is read with the OCR module, run through
the MRZ engine and handed on like a serial read (``"source": "image"``). The file then
moves to ``done/`` (a good read) or ``failed/`` (no MRZ, a read error, not an image), with
a ``.reason.txt`` next to failed files. A file is moved only after its read was handed on,
so nothing is lost: if the queue is full, the file stays and is tried again.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Callable

from .errors import BridgeError
from .reads import describe, new_read, parse_document

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".pgm", ".ppm", ".pnm"}


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem-N.suffix`` when taken."""
    target = folder / name
    n = 1
    while target.exists():
        target = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    return target


class ImageWatcher:
    """Poll a folder for image files and read them one by one."""

    def __init__(self, directory: str | os.PathLike, lane: str, on_read: Callable[[dict], None], *, poll: float = 0.5, reader=None):
        from .lanes import check_lane_name

        self.directory = Path(directory)
        self.lane = check_lane_name(lane)
        self.on_read = on_read
        self.poll = poll
        self.done_dir = self.directory / "done"
        self.failed_dir = self.directory / "failed"
        self._reader = reader
        self._sizes: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.processed = 0
        self.failed = 0
        self._engine_down = False

    def _read_image(self, path: Path):
        if self._reader is None:
            from .ocr import read_mrz_image  # heavy (numpy, tesseract): only for image lanes

            self._reader = read_mrz_image
        return self._reader(path)

    def prepare(self) -> None:
        """Check that the OCR is installed; create the folder and its done/ and failed/ subfolders."""
        if self._reader is None:
            try:
                from .ocr import read_mrz_image  # noqa: F401
            except ImportError as exc:
                raise BridgeError(f"image lanes need the OCR module, which cannot be loaded here ({exc})") from None
        try:
            for d in (self.directory, self.done_dir, self.failed_dir):
                d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BridgeError(f"{self.directory}: cannot use the folder: {exc.strerror}") from None

    def scan_once(self, *, settle: bool = True) -> int:
        """Process every file that is ready; return how many were handled."""
        handled = 0
        try:
            entries = sorted(p for p in self.directory.iterdir() if p.is_file())
        except OSError as exc:
            log.warning("image lane %s: cannot list %s: %s", self.lane, self.directory, exc.strerror)
            return 0
        seen = set()
        for path in entries:
            if path.name.startswith(".") or path.name.endswith((".part", ".tmp", ".crdownload")):
                continue
            seen.add(path.name)
            try:
                size = path.stat().st_size
            except OSError:
                continue
            if settle and self._sizes.get(path.name) != size:
                self._sizes[path.name] = size  # still being written? look again next round
                continue
            if self.process(path):
                handled += 1
                self._sizes.pop(path.name, None)
        for name in list(self._sizes):
            if name not in seen:
                del self._sizes[name]
        return handled

    def process(self, path: Path) -> bool:
        """Read one file, hand the read on, move the file; False if it must be retried."""
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            return self._move(path, self.failed_dir, "not an image file type")
        try:
            result = self._read_image(path)
        except BridgeError as exc:
            if type(exc).__name__ == "OCREngineError":  # the OCR is broken, not the file: keep it
                if not self._engine_down:
                    log.error("image lane %s: OCR engine unavailable (%s); files wait in %s", self.lane, exc, self.directory)
                self._engine_down = True
                return False
            log.warning("image lane %s: %s: %s", self.lane, path.name, exc)
            return self._move(path, self.failed_dir, str(exc))
        except Exception as exc:  # the OCR must never stop the lane
            log.warning("image lane %s: %s: OCR failed (%s)", self.lane, path.name, type(exc).__name__)
            log.debug("OCR failure", exc_info=True)
            return self._move(path, self.failed_dir, f"OCR failed ({type(exc).__name__})")
        if self._engine_down:
            log.warning("image lane %s: OCR engine back", self.lane)
            self._engine_down = False
        if not (result.mrz or result.best_guess):
            return self._move(path, self.failed_dir, "no MRZ found in the image")
        if result.status == "ok" and result.mrz:
            text = result.mrz
            status, document = parse_document(text)
            extra = {}
        else:
            # A guess the checks could not confirm is never delivered as an MRZ: the
            # appliance would screen it as if it had been read. It travels as best_guess
            # (for manual confirmation) and the read itself is a read error.
            text, status, document = "", "read_error", result.document
            extra = {"best_guess": result.best_guess}
        read = new_read(self.lane, profile="image", status=status, mrz=text,
                        document=document if document is not None else result.document, source="image",
                        file=path.name, **extra)
        try:
            self.on_read(read)
        except BridgeError as exc:
            log.error("image lane %s: %s kept for a later try: %s", self.lane, path.name, exc)
            return False
        log.info("read %s", describe(read))
        log.debug("image lane %s: read from %s", self.lane, path.name)
        if status == "ok":
            return self._move(path, self.done_dir, None)
        return self._move(path, self.failed_dir, "read error: MRZ incomplete or unreadable (sent for manual confirmation)")

    def _move(self, path: Path, folder: Path, reason: str | None) -> bool:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = _free_name(folder, path.name)
            shutil.move(str(path), str(target))
            if reason:
                target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
        except OSError as exc:
            log.error("image lane %s: cannot move %s: %s", self.lane, path.name, exc.strerror)
            return False
        self.processed += 1
        if folder == self.failed_dir:
            self.failed += 1
        return True

    def start(self) -> "ImageWatcher":
        """Watch the folder in the background."""
        self.prepare()
        self._thread = threading.Thread(target=self._run, name=f"watch-{self.lane}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._thread:
            self._thread.join(10)

    def _run(self) -> None:
        log.info("image lane %s: watching %s", self.lane, self.directory)
        while not self._stop.is_set():
            self.scan_once()
            self._stop.wait(self.poll)
        log.debug("image lane %s: stopped at %s", self.lane, time.strftime("%H:%M:%S"))
