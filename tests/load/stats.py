"""What the load run measures: every HTTP request (by endpoint) and every flow operation, with percentiles.

Requests are timed by :class:`TimedTransport`, an httpx transport wrapped around the real one, from the
request leaving the client to the response headers arriving. Ids in paths are replaced by ``{id}`` so that
requests group by endpoint.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = ["Recorder", "Summary", "TimedTransport", "endpoint_of", "percentile", "summarize"]

_ID = re.compile(r"^(?:[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$")


def endpoint_of(method: str, path: str) -> str:
    """``"GET /vault/shares/{id}"`` for ``GET /vault/shares/0191...``."""
    segments = ["{id}" if _ID.match(segment) else segment for segment in path.split("/")]
    return f"{method} {'/'.join(segments)}"


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (``fraction`` in 0..1)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Recorder:
    """Samples of one run: request latencies by endpoint, statuses, operation durations, failures."""

    requests: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    transport_errors: Counter[str] = field(default_factory=Counter)
    operations: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter[str] = field(default_factory=Counter)
    first_failures: list[str] = field(default_factory=list)

    def request(self, endpoint: str, status: int, seconds: float) -> None:
        self.requests[endpoint].append(seconds)
        self.statuses[endpoint][status] += 1

    def failure(self, operation: str, exc: BaseException) -> None:
        """A flow operation that raised: the error's type and (secret-free) message are kept."""
        self.failures[f"{operation}: {type(exc).__name__}"] += 1
        if len(self.first_failures) < 10:
            self.first_failures.append(f"{operation}: {type(exc).__name__}: {exc}")

    @asynccontextmanager
    async def operation(self, name: str) -> AsyncIterator[None]:
        """Time one flow operation; a failure is recorded and re-raised."""
        began = time.perf_counter()
        try:
            yield
        except Exception as exc:
            self.failure(name, exc)
            raise
        self.operations[name].append(time.perf_counter() - began)

    @property
    def total_requests(self) -> int:
        return sum(len(v) for v in self.requests.values())

    def count(self, predicate: str) -> int:
        """Requests answered with a status of the class ``"4xx"`` or ``"5xx"``."""
        low = int(predicate[0]) * 100
        return sum(n for c in self.statuses.values() for s, n in c.items() if low <= s < low + 100)


class TimedTransport(httpx.AsyncBaseTransport):
    """Times each request (to the response headers) into a :class:`Recorder`.

    One instance (and its connection pool) serves every simulated user; the SDK clients that use it do not
    close it (:meth:`aclose` does nothing): the run closes it with :meth:`shutdown`.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        endpoint = endpoint_of(request.method, request.url.path)
        began = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
        except Exception:
            self._recorder.transport_errors[endpoint] += 1
            raise
        self._recorder.request(endpoint, response.status_code, time.perf_counter() - began)
        return response

    async def aclose(self) -> None:
        return None

    async def shutdown(self) -> None:
        await self._inner.aclose()


@dataclass(frozen=True)
class Summary:
    name: str
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    statuses: str = ""


def summarize(
    samples: dict[str, list[float]], statuses: dict[str, Counter[int]] | None = None
) -> list[Summary]:
    """One :class:`Summary` per key, busiest first."""
    rows: list[Summary] = []
    for name, values in samples.items():
        ordered = sorted(values)
        codes = ""
        if statuses is not None:
            codes = " ".join(f"{code}×{n}" for code, n in sorted(statuses[name].items()))
        rows.append(
            Summary(
                name,
                len(ordered),
                percentile(ordered, 0.50) * 1000,
                percentile(ordered, 0.95) * 1000,
                percentile(ordered, 0.99) * 1000,
                ordered[-1] * 1000,
                codes,
            )
        )
    return sorted(rows, key=lambda r: (-r.count, r.name))


def markdown_table(headers: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A GitHub-style table."""
    head = list(headers)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def server_timings(logs: Iterable[Path]) -> dict[str, list[float]]:
    """Seconds each request took inside the servers, by ``METHOD /service/route``, from their access logs
    (JSON lines of ``strongroom.access``, written at INFO: from the request's arrival at the app to its
    last byte handed to the server)."""
    found: dict[str, list[float]] = {}
    for log in logs:
        try:
            text = log.read_text(errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            if '"strongroom.access"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            name = f"{entry.get('method')} /{entry.get('service')}{entry.get('route')}"
            found.setdefault(name, []).append(float(entry["ms"]) / 1000)
    return found
