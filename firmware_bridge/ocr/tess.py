"""Tesseract access: libtesseract through ctypes (model loaded once per thread), CLI fallback.

Running the ``tesseract`` program costs a model load (~100 ms) per call; the C API keeps
one initialised engine per thread, so a recognition pass costs only the recognition.
When the library cannot be loaded, the ``tesseract`` command is used instead.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import logging
import os
import shutil
import subprocess
import tempfile
import threading

import numpy as np

from .errors import OCREngineError

log = logging.getLogger(__name__)

#: Characters an MRZ may contain.
MRZ_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

#: Variables set on every engine: no dictionaries (MRZ text is not words), MRZ charset.
_INIT_VARS = {
    "load_system_dawg": "0",
    "load_freq_dawg": "0",
    "load_punc_dawg": "0",
    "load_number_dawg": "0",
    "load_unambig_dawg": "0",
    "load_bigram_dawg": "0",
    "user_words_suffix": "",
}
_RUN_VARS = {
    "tessedit_char_whitelist": MRZ_CHARSET,
    "classify_bln_numeric_mode": "0",
    "tessedit_do_invert": "0",
}
_TIMEOUT_S = 10.0


def _find_library() -> str | None:
    """Path or soname of libtesseract, or None."""
    for name in ("libtesseract.so.5", ctypes.util.find_library("tesseract")):
        if not name:
            continue
        try:
            ctypes.CDLL(name)
            return name
        except OSError:
            continue
    return None


class _CApi:
    """One initialised libtesseract engine (not thread-safe: one per thread)."""

    def __init__(self, lib: ctypes.CDLL, datapath: str | None, lang: str):
        self._lib = lib
        lib.TessBaseAPICreate.restype = ctypes.c_void_p
        lib.TessBaseAPIInit4.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
            ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
            ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_size_t, ctypes.c_bool,
        ]
        lib.TessBaseAPIInit4.restype = ctypes.c_int
        lib.TessBaseAPISetVariable.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.TessBaseAPISetVariable.restype = ctypes.c_bool
        lib.TessBaseAPISetPageSegMode.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.TessBaseAPISetImage.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
        ]
        lib.TessBaseAPISetSourceResolution.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.TessBaseAPIGetUTF8Text.argtypes = [ctypes.c_void_p]
        lib.TessBaseAPIGetUTF8Text.restype = ctypes.c_void_p
        lib.TessDeleteText.argtypes = [ctypes.c_void_p]
        lib.TessBaseAPIClear.argtypes = [ctypes.c_void_p]
        lib.TessBaseAPIDelete.argtypes = [ctypes.c_void_p]
        lib.TessBaseAPIEnd.argtypes = [ctypes.c_void_p]
        self._handle = lib.TessBaseAPICreate()
        keys = list(_INIT_VARS)
        k_arr = (ctypes.c_char_p * len(keys))(*[k.encode() for k in keys])
        v_arr = (ctypes.c_char_p * len(keys))(*[_INIT_VARS[k].encode() for k in keys])
        rc = lib.TessBaseAPIInit4(
            self._handle, datapath.encode() if datapath else None, lang.encode(), 1,
            None, 0, k_arr, v_arr, len(keys), False,
        )
        if rc != 0:
            lib.TessBaseAPIDelete(self._handle)
            raise OCREngineError(f"libtesseract could not load the {lang!r} model")
        for key, value in _RUN_VARS.items():
            lib.TessBaseAPISetVariable(self._handle, key.encode(), value.encode())

    def close(self) -> None:
        """Free the engine (also keeps Tesseract's leak report off stderr at exit)."""
        if self._handle:
            self._lib.TessBaseAPIEnd(self._handle)
            self._lib.TessBaseAPIDelete(self._handle)
            self._handle = None

    def recognise(self, image: np.ndarray, psm: int) -> str:
        """Text of an 8-bit grayscale image with page segmentation mode ``psm``."""
        img = np.ascontiguousarray(image, dtype=np.uint8)
        h, w = img.shape
        lib = self._lib
        lib.TessBaseAPISetPageSegMode(self._handle, psm)
        lib.TessBaseAPISetImage(self._handle, img.ctypes.data, w, h, 1, w)
        lib.TessBaseAPISetSourceResolution(self._handle, 300)
        ptr = lib.TessBaseAPIGetUTF8Text(self._handle)
        try:
            text = ctypes.string_at(ptr).decode("utf-8", "replace") if ptr else ""
        finally:
            if ptr:
                lib.TessDeleteText(ptr)
            lib.TessBaseAPIClear(self._handle)
        return text


class Tesseract:
    """MRZ-tuned Tesseract recogniser; use :func:`engine` for the shared instance."""

    def __init__(self, lang: str = "eng", datapath: str | None = None, use_library: bool = True):
        self.lang = lang
        self.datapath = datapath or os.environ.get("TESSDATA_PREFIX")
        self._local = threading.local()
        self._libname = _find_library() if use_library else None
        self._binary = shutil.which("tesseract")
        if self._libname is None and self._binary is None:
            raise OCREngineError("Tesseract is not installed (install the tesseract-ocr package)")
        self.backend = "library" if self._libname else "command"

    def _api(self) -> _CApi:
        """This thread's engine (created on first use)."""
        api = getattr(self._local, "api", None)
        if api is None:
            api = _CApi(ctypes.CDLL(self._libname), self.datapath, self.lang)
            self._local.api = api
            with _ENGINE_LOCK:
                _OPEN.append(api)
        return api

    def recognise(self, image: np.ndarray, psm: int = 6) -> str:
        """Recognise MRZ characters in a grayscale image (dark text on light ground)."""
        if self._libname:
            return self._api().recognise(image, psm)
        return self._run_command(image, psm)

    def _run_command(self, image: np.ndarray, psm: int) -> str:
        """Fallback: one ``tesseract`` process per call."""
        from PIL import Image

        with tempfile.TemporaryDirectory(prefix="mrz-ocr-") as tmp:
            path = os.path.join(tmp, "in.png")
            Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(path)
            cmd = [self._binary, path, "stdout", "-l", self.lang, "--psm", str(psm), "--oem", "1",
                   "--dpi", "300"]
            if self.datapath:
                cmd += ["--tessdata-dir", self.datapath]
            for key, value in {**_INIT_VARS, **_RUN_VARS}.items():
                cmd += ["-c", f"{key}={value}"]
            try:
                out = subprocess.run(cmd, capture_output=True, timeout=_TIMEOUT_S, check=False)
            except subprocess.TimeoutExpired as exc:
                raise OCREngineError("tesseract took too long") from exc
            if out.returncode != 0:
                raise OCREngineError(f"tesseract failed (exit {out.returncode})")
            return out.stdout.decode("utf-8", "replace")


_ENGINE: Tesseract | None = None
_ENGINE_LOCK = threading.Lock()
_OPEN: list[_CApi] = []


@atexit.register
def _close_all() -> None:
    """Free every engine at interpreter exit."""
    while _OPEN:
        _OPEN.pop().close()


def engine() -> Tesseract:
    """The process-wide recogniser (created on first use)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = Tesseract()
            log.debug("tesseract backend: %s", _ENGINE.backend)
        return _ENGINE
