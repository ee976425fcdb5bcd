"""Schema fuzzing of both OpenAPI documents (security.md, "Bad input"): zero 5xx, zero answers outside the
documented status codes, content types and response schemas.

schemathesis's engine (what ``schemathesis run`` uses) generates valid and invalid requests for every
operation — the coverage phase (boundary and invalid values of every parameter and body field) and the
fuzzing phase (random ones) — and sends them in-process with a signed-up user's token, so that they get
past authentication. Seeded and deterministic: every run sends the same requests.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema

from tests.fuzz import formats
from tests.fuzz.conftest import REAL_RECORDS, FuzzServer

formats.register()

# A fixed seed and deterministic generation: every run sends the same requests. The budget keeps the whole
# fuzz run (both services, both backends) within a few minutes on two cores.
SEED = 20261128
FUZZ_EXAMPLES = 5
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def _config(server: FuzzServer, service: str) -> schemathesis.Config:
    checks: dict[str, Any] = {"enabled": False} | {name: {"enabled": True} for name in CHECKS}
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "generation": {"max-examples": FUZZ_EXAMPLES, "deterministic": True, "mode": "all"},
            "checks": checks,
            "phases": {
                "stateful": {"enabled": False},
                # Unexpected-method probes only meet the framework's 405.
                "coverage": {"unexpected-methods": [], "generate-duplicate-query-parameters": False},
            },
            **server.headers(service),
        }
    )


def _run(server: FuzzServer, service: str) -> tuple[list[str], Counter[str], set[str]]:
    """Run the engine on ``service``'s OpenAPI document; returns the failures found, how many requests each
    phase sent, and the operations that answered a success at least once."""
    config = _config(server, service)
    schema = schemathesis.openapi.from_asgi(f"/{service}/openapi.json", server.app, config=config)
    problems: list[str] = []
    sent: Counter[str] = Counter()
    succeeded: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            sent[str(event.phase)] += len(event.recorder.cases)
            if any(
                i.response is not None and i.response.status_code < 300
                for i in event.recorder.interactions.values()
            ):
                succeeded.add(event.label or "")
            if event.status in (Status.FAILURE, Status.ERROR):
                problems.extend(_failures(event))
        elif isinstance(event, events.NonFatalError):
            problems.append(f"{event.label} [{event.phase}]: error: {event.info.title}: {event.info}")
        elif isinstance(event, events.FatalError):
            problems.append(f"schemathesis failed: {type(event.exception).__name__}: {event.exception}")
    return problems, sent, succeeded


def _failures(event: events.ScenarioFinished) -> list[str]:
    out: list[str] = []
    for case_id, checks in event.recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            response = event.recorder.interactions.get(case_id)
            status = response.response.status_code if response and response.response else "no response"
            failure = check.failure_info.failure
            out.append(
                f"{event.label} [{event.phase}] {check.name}: {failure.title} ({status})\n"
                f"    {failure.message.strip()[:300]}\n    {check.failure_info.code_sample[:5000]}"
            )
    return out


@pytest.mark.parametrize("service", ["keystore", "vault"])
def test_every_operation_answers_within_its_schema(fuzz_server: FuzzServer, service: str) -> None:
    problems, sent, succeeded = _run(fuzz_server, service)
    assert sent["coverage"] > 0
    assert sent["fuzzing"] > 0
    # The requests got past authentication: the operations aimed at real records answered successes too,
    # so success bodies were checked against the schemas, not only error bodies.
    reads = {name for names, _, _ in REAL_RECORDS[service] for name in names if name.startswith("GET ")}
    assert reads - succeeded == set()
    assert problems == [], "\n".join(problems)
