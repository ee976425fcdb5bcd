"""One measured run under pytest-benchmark, for benchmarks that time their own rounds (``make bench``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

Result = dict[str, Any]


def run_once(
    benchmark: Any, measure: Callable[[], Coroutine[Any, Any, Result]], report: Callable[[Result], str]
) -> Result:
    """Run ``measure()`` once as the benchmark's round, keep its figures in the benchmark's extra info and
    print its report."""
    result: Result = {}

    def run() -> None:
        result.update(asyncio.run(measure()))

    benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    print("\n" + report(result))
    return result
