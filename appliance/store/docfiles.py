"""Document list files: one compact SQLite file per lost/stolen documents list.

A documents list lives in ``<data dir>/lists/<name>-<token>.db`` with a single WITHOUT ROWID
table whose primary key is the lookup key (see :mod:`.dockeys`), so the table is its own index.
A full import builds a new file with journaling off (staging rows, then one sorted insert),
fsyncs it and only then points the ``lists`` row at it; the old file is deleted after that
commit. Change sets are one transaction on the list's file (WAL).
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import logging
import os
import re
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Iterable

from ..lists.countries import normalize_state
from ..lists.docnumbers import _NOT_ALNUM, STATUS_CODES, state_code, type_code
from .dockeys import Hasher, keys_of

log = logging.getLogger(__name__)

LISTS_DIR = "lists"
_EPOCH = dt.date(1970, 1, 1).toordinal()
DOCS_DDL = (
    "CREATE TABLE docs (state INTEGER NOT NULL, num NOT NULL, pfx NOT NULL, kind INTEGER NOT NULL,"
    " info INTEGER NOT NULL, ref TEXT, tail TEXT, PRIMARY KEY (state, num, pfx, kind)) WITHOUT ROWID"
)
META_DDL = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)"
BATCH = 20000
#: 16 KB pages: fan-out ~540, so even 10^8 records are three levels deep (root, one interior
#: level that fits in a reader's cache, leaf): one disk read per probe from a cold start
PAGE_SIZE = 16384


@functools.lru_cache(maxsize=65536)
def _days(reported_on: str | None) -> int:
    """Days since 1970-01-01 of an ISO date (0 when unknown)."""
    if not reported_on:
        return 0
    return dt.date.fromisoformat(reported_on).toordinal() - _EPOCH


def pack_info(status: str, reported_on: str | None) -> int:
    """Status and report date in one small integer: days * 8 + status code."""
    return _days(reported_on) * 8 + STATUS_CODES[status]


def unpack_info(info: int) -> tuple[str, str | None]:
    """Inverse of :func:`pack_info`."""
    from ..lists.docnumbers import STATUSES

    days, code = divmod(info, 8)
    reported = dt.date.fromordinal(days + _EPOCH).isoformat() if days else None
    return STATUSES[code], reported


def key_rows(records: Iterable[tuple], hasher: Hasher):
    """Turn (state, type, number, status, reported_on, reference) tuples into docs rows.

    Rows are 7-tuples (state, num, pfx, kind, info, ref, tail), or 5-tuples when ref and
    tail are both NULL (binding two fewer parameters is a third cheaper in bulk loads).

    One tight loop with caches: it runs once per record of a 10^8-record list.
    """
    infos: dict = {}
    states: dict = {}
    types: dict = {}
    sub = _NOT_ALNUM.sub
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    plain = hasher.key is None
    for state, dtype, number, status, reported, ref in records:
        info = infos.get((status, reported))
        if info is None:
            info = infos[(status, reported)] = pack_info(status, reported)
        sc = states.get(state)
        if sc is None:
            sc = states[state] = state_code(state)
        tc2 = types.get(dtype)
        if tc2 is None:
            tc2 = types[dtype] = type_code(dtype) * 2
        if number.isalnum() and number.isascii():
            n = number.upper()
        else:
            n = sub("", number.upper())
            if not n:
                continue
        if plain and len(n) <= 9:
            if n[0] <= "9":
                pfx, rest = "", n
            else:
                rest = n.lstrip(letters)
                if rest:
                    pfx = n[: len(n) - len(rest)]
                else:
                    pfx, rest = "", n
            if rest[0] != "0" and rest.isdigit():
                rest = int(rest)
            if ref is None:
                yield sc, rest, pfx, tc2, info  # the common short form: ref and tail are NULL
            else:
                yield sc, rest, pfx, tc2, info, ref, None
        else:
            for sc_, num, pfx, kind, tail in keys_of(n, state, sc, tc2, hasher):
                yield sc_, num, pfx, kind, info, ref, tail


def lists_dir(data_dir: str | Path) -> Path:
    """The folder of document list files (created when missing)."""
    d = Path(data_dir) / LISTS_DIR
    d.mkdir(parents=True, exist_ok=True)
    return d


def new_path(data_dir: str | Path, list_name: str) -> Path:
    """A fresh file name for a new version of a list (ends in .part until finished)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", list_name)[:40]
    return lists_dir(data_dir) / f"{safe}-{os.getpid()}-{secrets.token_hex(4)}.db.part"


class Builder:
    """Bulk-build a list file: stage rows unsorted, then one sorted insert into the keyed table."""

    def __init__(self, path: Path, hasher: Hasher, *, cache_mb: int = 64, stage: bool = True):
        self.path = path
        self.hasher = hasher
        self.stage_path = path.with_name(path.name + ".stage")
        self.conn = sqlite3.connect(str(path), isolation_level=None)
        c = self.conn
        c.execute("PRAGMA journal_mode = OFF")
        c.execute("PRAGMA synchronous = OFF")
        c.execute(f"PRAGMA cache_size = -{cache_mb * 1024}")
        c.execute("PRAGMA temp_store = FILE")
        c.execute("PRAGMA threads = 2")  # the sorter may use a helper thread
        c.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        c.execute(DOCS_DDL)
        c.execute(META_DDL)
        self.staged = 0
        self.sorted = not stage
        self._codes: tuple[dict, dict, dict] = ({}, {}, {})
        if stage:
            c.execute("ATTACH DATABASE ? AS stage", (str(self.stage_path),))
            c.execute("PRAGMA stage.journal_mode = OFF")
            c.execute("PRAGMA stage.synchronous = OFF")
            c.execute("CREATE TABLE stage.rows (state, num, pfx, kind, info, ref, tail)")
        c.execute("BEGIN")

    def add_fast(self, found: list, has_ref: bool, states: dict) -> bool:
        """Stage a chunk parsed by ``documents_fast.FAST_LINE`` (values already validated).

        One list comprehension per chunk makes the key rows of numbers up to nine characters
        (the prefix/rest split and the integer test were done by the regular expression);
        longer numbers and keyed-hash lists go through :func:`key_rows`.
        """
        sc, tc, infos = self._codes
        plain = self.hasher.key is None
        key, digest, from_bytes, tag = self.hasher.key, hmac.digest, int.from_bytes, self.hasher.pfx
        while True:
            try:
                if not plain:  # keyed hash of "state:rest", as Hasher.num
                    rows = [(sc[s], from_bytes(digest(key, f"{states[s]}:{d or o}".encode(), "sha256")[:8], "big",
                                               signed=True), tag(p), tc[t], infos[x], r or None)
                            for s, t, p, d, o, n, x, r in found if not n]
                    sql = "INSERT INTO stage.rows (state, num, pfx, kind, info, ref) VALUES (?,?,?,?,?,?)"
                elif has_ref:
                    rows = [(sc[s], int(d) if d else o, p, tc[t], infos[x], r or None)
                            for s, t, p, d, o, n, x, r in found if not n]
                    sql = "INSERT INTO stage.rows (state, num, pfx, kind, info, ref) VALUES (?,?,?,?,?,?)"
                else:
                    rows = [(sc[s], int(d) if d else o, p, tc[t], infos[x]) for s, t, p, d, o, n, x, r in found if not n]
                    sql = "INSERT INTO stage.rows (state, num, pfx, kind, info) VALUES (?,?,?,?,?)"
                break
            except KeyError:
                if not self._learn(found, states):
                    return False  # a date that is not a real day: the caller reads the chunk line by line
        longer = None
        if len(rows) != len(found):
            longer = [(states[s], t, n, *x.split(","), r or None) for s, t, p, d, o, n, x, r in found if n]
            if not self._learn(longer, states, dates_only=True):
                return False
        if rows:
            self.conn.executemany(sql, rows)
            self.staged += len(rows)
        if longer:
            self.add(longer)
        return True

    def _learn(self, found: list, states: dict, dates_only: bool = False) -> bool:
        """Codes of new values in a chunk; False when a date is not a real day."""
        sc, tc, infos = self._codes
        for row in found:
            if dates_only:
                s, t, x = None, None, f"{row[3]},{row[4] or ''}"
            else:
                s, t, x = row[0], row[1], row[6]
            if s is not None and s not in sc:
                states[s] = normalize_state(s)
                sc[s] = state_code(states[s])
            if t is not None and t not in tc:
                tc[t] = type_code(t) * 2
            if x not in infos:
                status, _, day = x.partition(",")
                try:
                    infos[x] = pack_info(status, day or None)
                except ValueError:
                    return False
        return True

    def add(self, records: Iterable[tuple]) -> None:
        """Stage (state, type, number, status, reported_on, reference) tuples."""
        short: list = []
        full: list = []
        add_short, add_full = short.append, full.append
        for row in key_rows(records, self.hasher):
            if len(row) == 5:
                add_short(row)
                if len(short) >= BATCH:
                    self._flush(short, full)
            else:
                add_full(row)
                if len(full) >= BATCH:
                    self._flush(short, full)
        self._flush(short, full)

    def _flush(self, short: list, full: list) -> None:
        if short:
            self.conn.executemany("INSERT INTO stage.rows (state, num, pfx, kind, info) VALUES (?,?,?,?,?)", short)
            self.staged += len(short)
            short.clear()
        if full:
            self.conn.executemany("INSERT INTO stage.rows VALUES (?,?,?,?,?,?,?)", full)
            self.staged += len(full)
            full.clear()

    def sort(self) -> None:
        """Insert the staged rows into the keyed table in key order (a later row for a key wins)."""
        c = self.conn
        if not self.sorted:
            c.execute(
                "INSERT OR REPLACE INTO docs SELECT state, num, pfx, kind, info, ref, tail FROM stage.rows"
                " ORDER BY state, num, pfx, kind, rowid"
            )
            c.execute("COMMIT")
            c.execute("DETACH DATABASE stage")
            _unlink(self.stage_path)
            self.sorted = True
        elif c.in_transaction:
            c.execute("COMMIT")

    def merge(self, parts: list[Path]) -> None:
        """Fill the (unstaged) keyed table from sorted part files, merging them in key order.

        Parts are in input order; SQLite's UNION ALL merge yields the left row first on equal
        keys, so with INSERT OR REPLACE the row of the later part wins, as in a serial import.
        """
        c = self.conn
        if c.in_transaction:
            c.execute("COMMIT")
        names = []
        for i, part in enumerate(parts):
            c.execute(f"ATTACH DATABASE ? AS p{i}", (str(part),))
            names.append(f"p{i}.docs")
        c.execute("BEGIN")
        union = " UNION ALL ".join(f"SELECT state, num, pfx, kind, info, ref, tail FROM {n}" for n in names)
        c.execute(f"INSERT OR REPLACE INTO docs SELECT * FROM ({union} ORDER BY 1, 2, 3, 4)")
        c.execute("COMMIT")
        for i in range(len(parts)):
            c.execute(f"DETACH DATABASE p{i}")

    def finish(self, meta: dict) -> tuple[Path, int]:
        """Sort into the keyed table, write meta, fsync, rename; return (final path, records)."""
        c = self.conn
        self.sort()
        records = c.execute("SELECT count(*) FROM docs WHERE kind % 2 = 0").fetchone()[0]
        meta = {**meta, "documents": str(records), "hashed": "1" if self.hasher.hashed else "0"}
        c.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items() if v is not None])
        c.execute("PRAGMA journal_mode = WAL")
        c.close()
        with open(self.path, "rb") as fh:
            os.fsync(fh.fileno())
        final = self.path.with_name(self.path.name[: -len(".part")])
        os.replace(self.path, final)
        _fsync_dir(final.parent)
        return final, records

    def abort(self) -> None:
        """Throw the half-built file away."""
        try:
            self.conn.close()
        except sqlite3.Error:  # pragma: no cover
            pass
        _unlink(self.stage_path)
        _unlink(self.path)


#: inputs smaller than this are read in the importing process (starting workers costs ~0.3 s)
PARALLEL_MIN_BYTES = 32 << 20
MAX_WORKERS = 4


def default_workers() -> int:
    """Processes for a bulk load: the CPUs this process may use, at most :data:`MAX_WORKERS`."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cpus))


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the importing process dies (a SIGKILLed import)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def fill(builder: "Builder", scanner, segments: list) -> None:
    """Stage every batch of ``scanner`` over ``segments`` into ``builder``."""
    states = scanner.states
    for batch in scanner.batches(segments):
        if batch[0] == "fast":
            if not builder.add_fast(batch[1], batch[2], states):
                builder.add(batch[3]())
        else:
            builder.add(batch[1])


def build_part(path: str, segments: list, key: bytes | None, max_errors: int | None, counter, index: int, pipe) -> None:
    """Worker process: read ``segments``, build a sorted part file at ``path``, report through ``pipe``."""
    from ..lists.errors import FileFormatError
    from ..lists.importers.documents_fast import ChunkScanner, NeedsCsvModule

    _die_with_parent()

    def progress(nbytes: int) -> None:
        counter[index] += nbytes

    scanner = ChunkScanner(max_errors, progress)
    builder = None
    try:
        builder = Builder(Path(path), Hasher(key))
        fill(builder, scanner, segments)
        if scanner.too_many:
            builder.abort()
        else:
            builder.sort()
            builder.conn.close()
        pipe.send({"rejected": scanner.rejected, "too_many": scanner.too_many})
    except NeedsCsvModule:
        builder.abort()
        pipe.send({"csv": True})
    except FileFormatError as exc:
        builder.abort()
        pipe.send({"format_error": (exc.file, exc.line, exc.reason)})
    except BaseException as exc:  # reported to the importing process, which raises it
        if builder is not None:
            builder.abort()
        pipe.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        pipe.close()


def build_from_csv(path: Path, files: list, hasher: Hasher, *, max_errors: int | None = None,
                   progress=None, workers: int | None = None) -> tuple["Builder", list, bool]:
    """Bulk-build a list file from documents-csv ``files``: (builder ready to finish, rejected, too many).

    Inputs of :data:`PARALLEL_MIN_BYTES` or more are cut into one contiguous range per worker
    process; each worker parses, keys, stages and sorts its range into a part file, and the
    parts are merged in key order into ``path``. Smaller inputs are built in this process.
    Raises ``NeedsCsvModule`` when the files need the csv module (quoted fields).
    """
    from ..lists.importers.documents_fast import ChunkScanner, NeedsCsvModule, split_ranges

    workers = default_workers() if workers is None else max(1, workers)
    total = sum(Path(f).stat().st_size for f in files)
    if workers == 1 or total < PARALLEL_MIN_BYTES:
        builder = Builder(path, hasher)
        try:
            scanner = ChunkScanner(max_errors, progress)
            fill(builder, scanner, [(Path(f), 0, Path(f).stat().st_size) for f in files])
        except BaseException:
            builder.abort()
            raise
        return builder, scanner.rejected, scanner.too_many
    return _parallel(path, files, hasher, max_errors, progress, workers, split_ranges, NeedsCsvModule)


def _parallel(path, files, hasher, max_errors, progress, workers, split_ranges, needs_csv):
    import multiprocessing
    import time

    ctx = multiprocessing.get_context("fork")  # forkserver/spawn would re-run the caller's __main__
    ranges = split_ranges([Path(f) for f in files], workers)
    counter = ctx.Array("q", len(ranges), lock=False)
    parts = [path.with_name(f"{path.name}.p{i}") for i in range(len(ranges))]
    procs, pipes = [], []
    try:
        for i, segs in enumerate(ranges):
            here, there = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=build_part, args=(str(parts[i]), segs, hasher.key, max_errors, counter, i, there),
                               daemon=True)
            proc.start()
            there.close()
            procs.append(proc)
            pipes.append(here)
        results: list = [None] * len(procs)
        shown = 0
        while any(r is None for r in results):
            for i, pipe in enumerate(pipes):
                if results[i] is None and pipe.poll(0.05 / len(pipes)):
                    try:
                        results[i] = pipe.recv()
                    except EOFError:
                        results[i] = {"error": f"worker {i} died (exit status {procs[i].exitcode})"}
                elif results[i] is None and not procs[i].is_alive() and not pipe.poll(0):
                    results[i] = {"error": f"worker {i} died (exit status {procs[i].exitcode})"}
            done = sum(counter)
            if progress is not None and done > shown:
                progress(done - shown)
                shown = done
            time.sleep(0)
        for proc in procs:
            proc.join()
        for r in results:
            if "format_error" in r:
                from ..lists.errors import FileFormatError

                raise FileFormatError(*r["format_error"])
            if "error" in r:
                from .errors import StoreError

                raise StoreError(f"bulk load of {path.name} failed in a worker process: {r['error']}")
        if any("csv" in r for r in results):
            raise needs_csv(path.name)
        rejected = [row for r in results for row in r["rejected"]]
        too_many = any(r["too_many"] for r in results) or (max_errors is not None and len(rejected) > max_errors)
        if too_many:
            return None, rejected[: (max_errors or 0) + 1], True
        builder = Builder(path, hasher, stage=False)
        try:
            builder.merge(parts)
        except BaseException:
            builder.abort()
            raise
        return builder, rejected, False
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
                proc.join()
        for part in parts:
            _unlink(part)
            _unlink(part.with_name(part.name + ".stage"))


def _unlink(path: Path) -> None:
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm"), Path(str(path) + "-journal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def remove_file(path: Path) -> None:
    """Delete a list file and its WAL/SHM companions."""
    _unlink(path)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_writer(path: Path, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """A connection for applying a change set to a list file."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def create_empty(data_dir: Path, list_name: str, hasher: Hasher, meta: dict) -> tuple[Path, int]:
    """A new, empty list file (for a list first created by a change set)."""
    b = Builder(new_path(data_dir, list_name), hasher)
    return b.finish(meta)


_local = threading.local()


def reader(path: str | Path) -> sqlite3.Connection:
    """A per-thread read connection to a list file (cached; stale ones closed by :func:`prune`)."""
    cache = getattr(_local, "conns", None)
    if cache is None:
        cache = _local.conns = {}
    conn = cache.get(path)
    if conn is None:
        # mode=rw: never create an empty file in place of a missing list
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        conn.execute("PRAGMA cache_size = -8192")
        cache[path] = conn
    return conn


def prune(current: set) -> None:
    """Close this thread's cached connections to files that are no longer in use."""
    cache = getattr(_local, "conns", {})
    for path in [p for p in cache if p not in current]:
        cache.pop(path).close()


#: Names of the files the store makes in ``lists/`` (``new_path``, its stage and part files, a restore's copy).
_OWN_FILE = re.compile(r"^[A-Za-z0-9_.-]*-(\d+)-[0-9a-f]{8}\.db(\.part|\.stage|\.part\.stage|\.part\.p\d+(\.stage)?)?$")


def cleanup(data_dir: str | Path, in_use: set[str]) -> int:
    """Delete list files no list points to (left by a killed import); returns how many.

    Only files named as the store names its own are ever deleted: a technician's file put in
    ``lists/`` (say the CSV being imported) is left alone.
    """
    d = Path(data_dir) / LISTS_DIR
    if not d.is_dir():
        return 0
    removed = 0
    for p in d.iterdir():
        name = p.name
        if name.endswith(("-wal", "-shm", "-journal")):
            continue
        if name.endswith(".db") and name in in_use:
            continue
        m = _OWN_FILE.match(name)
        if m is None or not p.is_file():
            continue  # not a file the store made: never ours to delete
        if process_alive(int(m.group(1))):
            continue  # an import in a running process is building or committing it
        _unlink(p)
        removed += 1
    return removed


def process_alive(pid: int) -> bool:
    """True while process ``pid`` runs (or cannot be checked)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    return True
