"""Work that runs ahead of its consumer: the one helper behind corpus preparation and feature extraction."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def available_cores() -> int:
    """CPU cores this process may run on (its affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def ordered_map(function: Callable[[Item], Result], items: Iterable[Item], *, workers: int | None = None,
                ahead: int | None = None) -> Iterator[Result]:
    """`map(function, items)` on a thread pool, results in input order, at most `ahead` items in flight (default
    twice the workers), so memory stays bounded by the window, not by the input. For functions that release the GIL
    (soundfile, soxr, torch). Items not yet consumed when the caller stops are cancelled."""
    workers = workers or available_cores()
    ahead = ahead or 2 * workers
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = deque()
        try:
            for item in items:
                pending.append(pool.submit(function, item))
                if len(pending) >= ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
