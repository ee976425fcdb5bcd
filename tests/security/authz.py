"""The authorization matrix's vocabulary: a case per endpoint (and variant), what each caller gets.

A :class:`Case` names one route of one service, says for every caller the status the call must answer,
and knows how to build the call (path parameters, body) for a caller — building may create fresh
records first, e.g. a card for the owner to delete, so that one allowed call does not spoil the world
for the next. Refused calls are checked to change nothing at all in either database.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.security.world import CALLERS, IDENTITIES, TOKEN_CALLERS, World

__all__ = [
    "Call",
    "Case",
    "each_user",
    "everyone",
    "fixed",
    "owner_only",
    "service_only",
    "statuses",
]


@dataclass(frozen=True)
class Call:
    """One request: path parameters, JSON body (None: no body), query, and headers that replace the
    caller's own (a fresh session, a throwaway account) when set."""

    path: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    params: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    content: bytes | None = None  # a raw body (blob uploads) instead of JSON


Prepare = Callable[[World, str], Awaitable[Call]]
After = Callable[[World, str, httpx.Response], Awaitable[None]]


async def no_params(_: World, __: str) -> Call:
    return Call()


def fixed(make: Callable[[World], Call]) -> Prepare:
    """The same call for every caller (built from the world's ids when the case runs)."""

    async def prepare(w: World, _: str) -> Call:
        return make(w)

    return prepare


@dataclass(frozen=True)
class Case:
    """``service`` ``method`` ``route`` (the route table's path template) called by every caller."""

    service: str
    method: str
    route: str
    expect: Mapping[str, int]
    prepare: Prepare = no_params
    variant: str = ""
    after: After | None = None

    @property
    def id(self) -> str:
        return f"{self.service} {self.method} {self.route}" + (f" [{self.variant}]" if self.variant else "")

    def url(self, params: Mapping[str, str]) -> str:
        """The route with its ``{name}`` / ``{name:converter}`` parameters filled in."""

        def fill(match: re.Match[str]) -> str:
            return params[match.group(1)]

        return re.sub(r"\{(\w+)(?::\w+)?\}", fill, self.route)


def statuses(**by_caller: int) -> dict[str, int]:
    """A full caller → status table (every caller must be given)."""
    missing = set(CALLERS) - set(by_caller)
    if missing:
        raise ValueError(f"no status for {sorted(missing)}")
    return {caller: by_caller[caller] for caller in CALLERS}


def _tokens(status: int) -> dict[str, int]:
    return dict.fromkeys(TOKEN_CALLERS, status)


def everyone(status: int) -> dict[str, int]:
    """A public endpoint: the same answer whoever calls (a token is neither needed nor harmful)."""
    return dict.fromkeys(CALLERS, status)


def each_user(status: int, **overrides: int) -> dict[str, int]:
    """An endpoint on the caller's own records: every user gets ``status``; no valid token → 401."""
    return statuses(**{**dict.fromkeys(IDENTITIES, status), **_tokens(401), **overrides})


def owner_only(status: int, *, others: int = 404, **overrides: int) -> dict[str, int]:
    """An endpoint on one of alice's records: alice gets ``status``, every other user ``others`` (404:
    indistinguishable from a missing record), no valid token → 401."""
    table = {**dict.fromkeys(IDENTITIES, others), "owner": status, **_tokens(401)}
    return statuses(**{**table, **overrides})


def service_only(status: int) -> dict[str, int]:
    """An endpoint for the other service (service credential): everybody else → 401."""
    return statuses(**{**dict.fromkeys(CALLERS, 401), "service": status})
