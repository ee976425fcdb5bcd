"""The load report: one section per backend, as Markdown (printed and written to var/load-report.md)."""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.load.stats import Recorder, markdown_table, percentile, summarize

__all__ = ["Outcome", "driver_load", "render", "usable_cores"]


@dataclass
class Outcome:
    """What one backend's run produced (``skipped`` says why there is nothing)."""

    title: str
    recorder: Recorder = field(default_factory=Recorder)
    users: int = 0
    signup_seconds: float = 0.0
    flow_seconds: float = 0.0
    iterations: int = 0
    memory_kib: list[int | None] = field(default_factory=list)
    cpu_seconds: list[float | None] = field(default_factory=list)
    mails: dict[str, int] = field(default_factory=dict)  # outbox rows by state at the end
    driver_cpu_seconds: float = 0.0
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at the start and at the end
    server_timings: dict[str, list[float]] = field(default_factory=dict)  # seconds inside the servers
    skipped: str | None = None

    @property
    def errors(self) -> int:
        """Failed flow operations, 5xx answers and requests that got no answer."""
        r = self.recorder
        return sum(r.failures.values()) + r.count("5xx") + sum(r.transport_errors.values())


SATURATED = 0.9
"""From this share of a core (or of every core) on, the driver counts as saturated."""


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity), which the driver's threads can use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def driver_load(cpu_seconds: float, wall: float, cores: int) -> str:
    """The load driver's CPU use over ``wall`` seconds, in words.

    ``cpu_seconds`` is the driver process's CPU time (``time.process_time``: every thread), so it can pass
    one core: the SDK's crypto runs in worker threads beside the event loop. The event loop's Python code
    holds the GIL, one core at most, so near one core the driver may be the bottleneck; near every core it
    is. Below a core it had CPU to spare, and the report must not say otherwise.
    """
    share = cpu_seconds / wall if wall > 0 else 0.0
    text = f"{cpu_seconds:.0f} s CPU in {wall:.0f} s = {100 * share:.0f}% of one core"
    if cores > 1 and share >= SATURATED * cores:
        return (
            f"{text} (near all {cores} cores: the driver saturated, and client-side latency overstates "
            "the server's)"
        )
    if share >= SATURATED:
        return (
            f"{text} (near or past one core: the driver's event loop, one core at most, may have saturated, "
            "and client-side latency may overstate the server's)"
        )
    return f"{text} (below one core: the driver did not saturate)"


def _ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _section(outcome: Outcome) -> list[str]:
    lines = [f"## {outcome.title}", ""]
    if outcome.skipped:
        return [*lines, f"Skipped: {outcome.skipped}", ""]
    r = outcome.recorder
    measured = outcome.signup_seconds + outcome.flow_seconds
    total = r.total_requests
    memory = ", ".join(f"{k / 1024:.0f} MiB" if k else "?" for k in outcome.memory_kib)
    spent = [c for c in outcome.cpu_seconds if c is not None]
    per_request = f"{1000 * sum(spent) / total:.0f} ms of server CPU per request" if spent and total else "?"
    mails = ", ".join(f"{state} {n}" for state, n in sorted(outcome.mails.items()))
    cpu = ", ".join(f"{c:.0f} s" if c is not None else "?" for c in outcome.cpu_seconds)
    lines += [
        f"- users: {outcome.users}; sign-up phase {outcome.signup_seconds:.1f} s (all users at once), "
        f"flow phase {outcome.flow_seconds:.1f} s; whole iterations started: {outcome.iterations}",
        f"- requests: {total} in {measured:.1f} s = **{total / measured if measured else 0:.1f} requests/s**",
        f"- **errors: {outcome.errors}** (failed flow steps {sum(r.failures.values())}, "
        f"5xx {r.count('5xx')}, "
        f"no answer {sum(r.transport_errors.values())}); 4xx answers {r.count('4xx')} (see the status "
        "column: the SDK's read flow looks for its own copy of a share key first, and a 404 sends it to "
        "claim the shared one)",
        f"- server peak memory (VmHWM) per process: {memory}; server CPU time per process: {cpu} "
        f"({per_request}); "
        f"load driver CPU time: {outcome.driver_cpu_seconds:.0f} s; machine load average (1 min) "
        f"{outcome.load_average[0]:.1f} at the start, {outcome.load_average[1]:.1f} at the end",
        f"- invitation mails in the outbox at the end, by state: {mails or 'none'} "
        "(a mail whose invitation was accepted before the worker reached it is cancelled, not sent)",
        "",
    ]
    inside = sorted(t for values in outcome.server_timings.values() for t in values)
    wall = outcome.signup_seconds + outcome.flow_seconds

    def at(fraction: float) -> str:
        return _ms(percentile(inside, fraction) * 1000) if inside else "?"

    lines[-1:-1] = [
        f"- **server-side p95: {at(0.95)} ms** (p50 {at(0.50)}, p99 {at(0.99)}) over {len(inside)} requests, "
        "timed inside the servers (access log); client-side figures below include the driver's own waiting",
        f"- load driver: {driver_load(outcome.driver_cpu_seconds, wall, usable_cores())}",
    ]
    if r.first_failures:
        lines += ["First failures:", "", *(f"    {f}" for f in r.first_failures), ""]
    lines += ["### Flow steps (one step = several requests)", ""]
    lines.append(
        markdown_table(
            ["step", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"],
            [
                [s.name, s.count, _ms(s.p50_ms), _ms(s.p95_ms), _ms(s.p99_ms), _ms(s.max_ms)]
                for s in summarize(r.operations)
            ],
        )
    )
    lines += ["", "### Requests by endpoint", ""]
    lines.append(
        markdown_table(
            ["endpoint", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "statuses"],
            [
                [
                    s.name,
                    s.count,
                    f"{s.count / measured:.1f}" if measured else "-",
                    _ms(s.p50_ms),
                    _ms(s.p95_ms),
                    _ms(s.p99_ms),
                    _ms(s.max_ms),
                    s.statuses,
                ]
                for s in summarize(r.requests, r.statuses)
            ],
        )
    )
    if outcome.server_timings:
        lines += ["", "### Requests by route, timed inside the servers", ""]
        lines.append(
            markdown_table(
                ["route", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"],
                [
                    [s.name, s.count, _ms(s.p50_ms), _ms(s.p95_ms), _ms(s.p99_ms), _ms(s.max_ms)]
                    for s in summarize(outcome.server_timings)
                ],
            )
        )
    return [*lines, ""]


def render(users: int, seconds: float, outcomes: list[Outcome], *, logs: Path) -> str:
    """The whole report."""
    lines = [
        "# Strongroom load report",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')} on {platform.node()} ({os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}); {users} simulated users, flow phase {seconds:.0f} s per "
        "backend. The load driver (the Python SDK, doing all client-side crypto) runs on the same machine "
        "as the servers and shares its CPUs. RSA-4096 key pairs come from a pre-generated pool (key "
        "generation would otherwise dominate sign-ups and invitations). Latency is measured by the client "
        f"to the response headers. Server logs: {logs}.",
        "",
    ]
    for outcome in outcomes:
        lines += _section(outcome)
    return "\n".join(lines)
