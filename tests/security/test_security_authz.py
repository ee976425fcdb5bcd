"""The authorization matrix (security.md): every endpoint of both services × every kind of caller.

Generated from the route tables: a route of either service without a row fails
:func:`test_every_route_has_a_row`. For each row, every caller's call must answer the status the row states,
and a refused call must leave both databases exactly as they were (compared row by row).
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import SecretStr

from strongroom.keystore.app import create_app as create_keystore
from strongroom.kit.settings import Settings
from strongroom.vault.app import create_app as create_vault
from tests.security.authz import Case
from tests.security.authz_keystore import KEYSTORE_CASES
from tests.security.authz_vault import VAULT_CASES
from tests.security.world import CALLERS, World

CASES: list[Case] = [*KEYSTORE_CASES, *VAULT_CASES]


def route_table() -> set[tuple[str, str, str]]:
    """``(service, method, path template)`` of every FastAPI endpoint of both services."""
    settings = Settings(
        keystore_database_url="sqlite+aiosqlite:///:memory:",
        vault_database_url="sqlite+aiosqlite:///:memory:",
        service_credential=SecretStr("unused"),
    )
    # Routes only: the lifespans (databases) never run.
    apps: dict[str, FastAPI] = {"keystore": create_keystore(settings), "vault": create_vault(settings)}
    table: set[tuple[str, str, str]] = set()
    for service, app in apps.items():
        for route in iter_route_contexts(app.routes):
            if isinstance(route.original_route, APIRoute):
                assert route.path is not None
                table.update((service, method, route.path) for method in route.methods or ())
    return table


def test_every_route_has_a_row() -> None:
    rows = {(c.service, c.method, c.route) for c in CASES}
    table = route_table()
    assert sorted(table - rows) == [], "endpoints without a row in the authorization matrix"
    assert sorted(rows - table) == [], "rows for endpoints that do not exist"


def test_every_row_states_every_caller_and_ids_are_unique() -> None:
    for case in CASES:
        assert tuple(case.expect) == CALLERS, case.id
    assert len({c.id for c in CASES}) == len(CASES)


def _error_code(body: object) -> str | None:
    """The stable code of an error body ``{"errors": [{"error", "message"}]}``, None if malformed."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None
    code, message = errors[0].get("error"), errors[0].get("message")
    return code if isinstance(code, str) and isinstance(message, str) else None


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_each_caller_gets_its_status_and_a_refusal_changes_nothing(world: World, case: Case) -> None:
    problems: list[str] = []
    for caller in CALLERS:
        call = await case.prepare(world, caller)
        headers = call.headers if call.headers is not None else world.headers(caller, case.service)
        expected = case.expect[caller]
        before = await world.dumps() if expected >= 400 else None
        response = await world.send(
            case.service,
            case.method,
            case.url(call.path),
            headers=headers,
            json=call.json,
            params=call.params,
            content=call.content,
        )
        status = response.status_code
        code = _error_code(response.json()) if status >= 400 and response.content else None
        if status != expected:
            problems.append(f"{caller}: expected {expected}, got {status} ({code or response.text[:120]})")
        if status >= 400:
            if code is None:
                problems.append(f"{caller}: {status} without the error body {{errors: [{{error, message}}]}}")
            if before is not None:
                after = await world.dumps()
                for service in before:
                    problems.extend(
                        f"{caller}: refused with {status} but changed {service}: {diff}"
                        for diff in before[service].differences(after[service])
                    )
        if case.after is not None:
            await case.after(world, caller, response)
    assert problems == []
