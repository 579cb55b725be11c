"""Screening many manifest persons: in this process for small lists, in worker processes for large ones.

Each worker opens its own ``Screener`` on the same database with the same policy, so every
person is screened exactly as a booth scan is (see :mod:`.adapter`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from .adapter import screen_person
from .model import Person

log = logging.getLogger(__name__)

#: below this many persons the start-up of worker processes costs more than it saves
PARALLEL_FROM = 300
MAX_WORKERS = 4

_worker: dict = {}


def default_workers() -> int:
    """Worker processes for a large list: the CPUs this process may use, at most MAX_WORKERS."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, n))


def _init(db_path: str, policy: dict) -> None:
    """Worker start: one Screener for the worker's life."""
    from appliance.screening import Screener

    _worker["screener"] = Screener(db_path, {"screening": policy})
    _worker["policy"] = policy


def _screen_chunk(args) -> list[dict]:
    """Screen a chunk of persons in a worker."""
    persons, arrival, now = args
    s, policy = _worker["screener"], _worker["policy"]
    return [screen_person(s, p, policy=policy, arrival=arrival, now=now) for p in persons]


def screen_all(db_path, policy: dict, persons: list[Person], *, arrival: dt.date | None,
               now: dt.datetime | None = None, workers: int | None = None) -> list[dict]:
    """Verdicts of ``persons`` in order, screened with the booth's engine and ``policy``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    workers = default_workers() if workers is None else max(1, workers)
    if workers == 1 or len(persons) < PARALLEL_FROM:
        from appliance.screening import Screener

        screener = Screener(db_path, {"screening": policy})
        return [screen_person(screener, p, policy=policy, arrival=arrival, now=now) for p in persons]
    size = max(50, len(persons) // (workers * 8))
    chunks = [(persons[i:i + size], arrival, now) for i in range(0, len(persons), size)]
    log.info("screening %d manifest persons in %d worker processes", len(persons), workers)
    out: list[dict] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_init,
                             initargs=(str(db_path), policy)) as pool:
        for verdicts in pool.map(_screen_chunk, chunks):
            out.extend(verdicts)
    return out
