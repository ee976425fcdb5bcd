"""Finding things by what a person remembers: items by name, label or id prefix; connections by the other
person's name (nickname, name, email) or id prefix; shares by the card's label, the other person's name or
id prefix.

Every command that takes a reference uses these (one way of resolving). A full id goes straight to the
server; anything else is matched against the caller's list: exact names first (case-insensitive), then
unique id prefixes. Ambiguity names the candidates and exits 2; no match exits 2 (the reference is bad
input); a full id the server does not know exits 1 (not found), like any refused request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from strongroom.cli._errors import EXIT_INPUT, CliError
from strongroom.cli._output import short_id

if TYPE_CHECKING:
    from strongroom.client import Card, Connection, Share, Strongroom

__all__ = [
    "check_id",
    "find_card",
    "find_connection",
    "find_share",
    "is_id",
    "person_name",
    "pick",
]

T = TypeVar("T")

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PREFIX = re.compile(r"^[0-9a-f-]+$")
MAX_LISTED = 5


def is_id(text: str) -> bool:
    """Whether ``text`` is a whole id (a UUID, any case)."""
    return bool(_UUID.match(text.strip().lower()))


def check_id(text: str, what: str) -> str:
    """``text`` as a lower-case UUID, checked here (exit 2) rather than by a server validation error."""
    if not is_id(text):
        raise CliError(f"{what}: {text!r} is not an id (expected 36 characters like 0193c8a4-…)", EXIT_INPUT)
    return text.strip().lower()


def pick(
    ref: str,
    what: str,
    candidates: Iterable[T],
    *,
    ident: Callable[[T], str],
    names: Callable[[T], Sequence[str | None]],
    describe: Callable[[T], str],
    listing: str,
) -> T:
    """The one candidate ``ref`` designates (exact name, else unique id prefix); CliError otherwise."""
    items = list(candidates)
    wanted = ref.strip().casefold()
    if not wanted:
        raise CliError(f"empty {what} reference", EXIT_INPUT)
    by_name = [c for c in items if any(n and n.strip().casefold() == wanted for n in names(c))]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise _ambiguous(ref, what, by_name, items, ident, describe)
    by_prefix = [c for c in items if ident(c).lower().startswith(wanted)] if _PREFIX.match(wanted) else []
    if len(by_prefix) == 1:
        return by_prefix[0]
    if len(by_prefix) > 1:
        raise _ambiguous(ref, what, by_prefix, items, ident, describe)
    raise CliError(f"no {what} named {ref!r} or with an id starting so (see `{listing}`)", EXIT_INPUT)


def _ambiguous(
    ref: str,
    what: str,
    found: list[T],
    items: list[T],
    ident: Callable[[T], str],
    describe: Callable[[T], str],
) -> CliError:
    # Prefixes unique among all the candidates, so that each one shown designates its record.
    everyone = [ident(c) for c in items]
    shown = "; ".join(f"{short_id(ident(c), everyone)} {describe(c)}" for c in found[:MAX_LISTED])
    more = f"; and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
    return CliError(f"{ref!r} matches {len(found)} {what}s: {shown}{more} (give more of the id)", EXIT_INPUT)


def person_name(connection: Connection) -> str:
    """How the CLI names the other side of a connection: your nickname, else their name, else email."""
    return connection.nickname or connection.user_name or connection.user_email or short_id(connection.id)


async def find_card(client: Strongroom, ref: str) -> Card:
    """The caller's card named ``ref`` (name, label or id prefix; a full id is fetched directly)."""
    if is_id(ref):
        return await client.card(ref.strip().lower())
    return pick(
        ref,
        "item",
        await client.cards(),
        ident=lambda c: c.id,
        names=lambda c: (c.label, c.name),
        describe=lambda c: repr(c.label or c.name or ""),
        listing="strongroom items list",
    )


async def find_connection(client: Strongroom, ref: str) -> Connection:
    """The caller's connection with the person ``ref`` names (or whose id starts with ``ref``)."""
    if is_id(ref):
        return await client.connection(ref.strip().lower())
    return pick(
        ref,
        "connection",
        await client.connections(),
        ident=lambda c: c.id,
        names=lambda c: (c.nickname, c.user_name, c.user_email),
        describe=lambda c: f"with {person_name(c)}",
        listing="strongroom connections list",
    )


async def find_share(client: Strongroom, ref: str) -> Share:
    """The share ``ref`` names: id prefix, the card's label, or the other person's name."""
    if is_id(ref):
        return await client.get_share(ref.strip().lower())
    people: dict[str, Connection] = {}
    for connection in await client.connections():
        people[connection.id] = connection
        if connection.user_id:
            people[connection.user_id] = connection

    def other(share: Share) -> Connection | None:
        return people.get(share.connection_id or "") or people.get(share.other_user_id or "")

    def names(share: Share) -> tuple[str | None, ...]:
        person = other(share)
        who = (person.nickname, person.user_name, person.user_email) if person else ()
        return (share.card_label, *who)

    def describe(share: Share) -> str:
        person = other(share)
        direction = "to" if share.outgoing else "from"
        who = person_name(person) if person else "?"
        return f"{share.card_label or 'item'!r} {direction} {who}"

    return pick(
        ref,
        "share",
        await client.shares(),
        ident=lambda s: s.id,
        names=names,
        describe=describe,
        listing="strongroom shares list",
    )
