"""The client side of the crash test: a user who shares, updates and revokes, and a ledger of outcomes.

Alice owns cards and shares them with her connections (Bob, and contacts who sign up and accept her
invitations while the server is being killed). Each operation ends in one of three ways:

* it succeeded: the ledger records exactly what must now be true;
* the server vanished under it (:class:`TransportError`): its outcome is *uncertain*, so the ledger widens
  what may be true (old state or new, never anything else) and the round ends;
* anything else: the test fails.

:meth:`ShareWork.verify` then logs every party in afresh (so the Keystore's wrapped keys are exercised,
not the client's cache), reads every card and every share, checks each against the ledger, and narrows
the uncertain entries to what was actually found.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from strongroom.client import ShareUnavailable, Strongroom, TransportError
from tests.faults.keypool import KeySupply

__all__ = ["CardState", "Person", "ShareState", "ShareWork"]

# Keys one new contact costs: their login key, Alice's invitation key, their connection key.
KEYS_PER_CONTACT = 3
MAX_CONTACTS = 2


@dataclass
class Person:
    name: str
    passphrase: str
    client: Strongroom
    secret_key: str = ""
    user_id: str = ""
    connection_id: str | None = None  # Alice's connection record with this person


@dataclass
class CardState:
    id: str
    vin: str
    possible: set[str]  # values the "make" slot may hold now


@dataclass
class ShareState:
    id: str
    card_id: str
    recipient: str
    possible: set[str]  # "make" values the recipient may read now
    revoked: str | None = None  # None (live), "uncertain" or "confirmed"


@dataclass
class ShareWork:
    url: str
    rng: random.Random
    keys: KeySupply
    people: dict[str, Person] = field(default_factory=dict)
    cards: dict[str, CardState] = field(default_factory=dict)
    shares: dict[str, ShareState] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)
    _counter: int = 0

    # Setting up ------------------------------------------------------------------------------------

    def _next_value(self) -> str:
        self._counter += 1
        return f"make-{self._counter}"

    async def _signed_up(self, name: str) -> Person:
        person = Person(name, f"{name}'s passphrase for the crash test", Strongroom(self.url, timeout=30))
        try:
            creds = await person.client.sign_up(person.passphrase, email=f"{name}@example.test")
        except BaseException:
            await person.client.aclose()
            raise
        person.secret_key, person.user_id = creds.secret_key, creds.vault_user_id
        return person

    async def setup(self, cards: int = 3) -> None:
        """Alice and Bob connected, ``cards`` cards of Alice's, one of them shared with Bob."""
        self.people["alice"] = await self._signed_up("alice")
        await self._connect(await self._signed_up("bob"))
        for index in range(cards):
            await self._create_card(index)
        await self._share()

    @property
    def alice(self) -> Strongroom:
        return self.people["alice"].client

    async def _create_card(self, index: int) -> None:
        value, vin = self._next_value(), f"VIN-{index}"
        card = await self.alice.create_card("vehicle", f"Car {index}", {"make": value, "vin": vin})
        self.cards[card.id] = CardState(card.id, vin, {value})
        self.stats["cards"] += 1

    async def _connect(self, person: Person) -> None:
        invitation = await self.alice.invite(nickname=person.name, email=f"{person.name}@example.test")
        assert invitation.token is not None
        self.stats["invitations"] += 1
        await person.client.accept_invitation(invitation.token, nickname="Alice", invitation_id=invitation.id)
        # Confirmed from here on: the person counts as connected even if the lookup below is cut off.
        self.people[person.name] = person
        self.stats["connections"] += 1
        await self._connection_of(person)

    async def _connection_of(self, person: Person) -> str:
        if person.connection_id is None:
            found = [c for c in await self.alice.connections() if c.user_id == person.user_id]
            assert len(found) == 1, f"Alice sees {len(found)} connections with {person.name}"
            person.connection_id = found[0].id
        return person.connection_id

    def _recipients(self) -> list[Person]:
        return [p for name, p in self.people.items() if name != "alice"]

    def _live(self) -> list[ShareState]:
        return [s for s in self.shares.values() if s.revoked is None]

    # Operations ------------------------------------------------------------------------------------

    async def _share(self) -> None:
        card = self.cards[self.rng.choice(sorted(self.cards))]
        person = self.rng.choice(self._recipients())
        connection_id = await self._connection_of(person)
        share = await self.alice.share(card.id, connection_id)
        self.shares[share.id] = ShareState(share.id, card.id, person.name, set(card.possible))
        self.stats["shares"] += 1

    async def _update(self) -> None:
        card = self.cards[self.rng.choice(sorted(self.cards))]
        value = self._next_value()
        card.possible.add(value)
        await self.alice.update_card(card.id, slots={"make": value})
        card.possible = {value}
        self.stats["card updates"] += 1
        # Carrying the new values to the recipients may touch any card with a waiting task.
        for share in self.shares.values():
            share.possible |= self.cards[share.card_id].possible
        runs = await self.alice.run_client_tasks()
        for run in runs:
            assert run.state == "done", f"client task {run.task_id} failed: {run.error}"
            for share in self.shares.values():
                if share.card_id == run.target_id and share.revoked != "confirmed":
                    share.possible = set(self.cards[share.card_id].possible)
            self.stats["share updates"] += run.updated_shares

    async def _revoke(self) -> None:
        live = self._live()
        if len(live) <= 1:
            return await self._share()
        share = self.rng.choice(live)
        share.revoked = "uncertain"
        await self.alice.revoke_share(share.id)
        share.revoked = "confirmed"
        self.stats["revocations"] += 1
        return None

    async def _read(self) -> None:
        live = self._live()
        if not live:
            return
        share = self.rng.choice(live)
        await self._check_share(self.people[share.recipient].client, share)
        self.stats["reads"] += 1

    async def _new_contact(self) -> None:
        contacts = len(self.people) - 2
        if contacts >= MAX_CONTACTS or self.keys.left < KEYS_PER_CONTACT + 2:
            return await self._share()
        name = f"contact{contacts + 1}-{self.rng.randrange(10**6)}"
        person = await self._signed_up(name)
        self.stats["sign-ups"] += 1
        try:
            await self._connect(person)
        except BaseException:
            if name not in self.people:
                await person.client.aclose()
            raise
        return None

    async def step(self) -> None:
        """One operation, chosen at random."""
        operation = self.rng.choices(
            [self._share, self._update, self._revoke, self._read, self._new_contact],
            weights=[35, 30, 15, 12, 8],
        )[0]
        await operation()

    async def run_until_cut_off(self) -> None:
        """Random operations until one meets a vanished server (its outcome is then uncertain)."""
        try:
            while True:
                await self.step()
        except TransportError:
            self.stats["operations cut off"] += 1

    # Checking --------------------------------------------------------------------------------------

    async def _check_share(self, reader: Strongroom, share: ShareState) -> None:
        card = await reader.read_share(share.id)
        values = card.values
        assert values.get("vin") == self.cards[share.card_id].vin, f"share {share.id}: wrong vin"
        make = values.get("make")
        assert make in share.possible, f"share {share.id}: {make!r} is none of {sorted(share.possible)}"
        assert make is not None
        share.possible = {make}

    @contextlib.asynccontextmanager
    async def _fresh(self, person: Person) -> AsyncIterator[Strongroom]:
        """A new client of ``person``, logged in with the secret key and passphrase (nothing cached)."""
        async with Strongroom(self.url, timeout=30) as client:
            await client.log_in(person.secret_key, person.passphrase)
            yield client

    async def verify(self) -> None:
        """Every outcome the client saw is intact and decrypts; uncertain ones are narrowed to what is."""
        async with self._fresh(self.people["alice"]) as alice:
            for card_state in self.cards.values():
                card = await alice.card(card_state.id)
                assert card.values["vin"] == card_state.vin, f"card {card.id}: wrong vin"
                make = card.values["make"]
                assert make in card_state.possible, f"card {card.id}: {make!r} unexpected"
                assert make is not None
                card_state.possible = {make}
            mine = {c.user_id: c.id for c in await alice.connections()}
        for person in self._recipients():
            async with self._fresh(person) as reader:
                theirs = {c.user_id for c in await reader.connections()}
                assert person.user_id in mine, f"Alice lost her connection with {person.name}"
                assert self.people["alice"].user_id in theirs, f"{person.name} lost the connection"
                for share in [s for s in self.shares.values() if s.recipient == person.name]:
                    await self._verify_share(reader, share)
        self.stats["verifications"] += 1

    async def _verify_share(self, reader: Strongroom, share: ShareState) -> None:
        if share.revoked == "confirmed":
            try:
                await reader.read_share(share.id)
            except ShareUnavailable:
                return
            raise AssertionError(f"share {share.id} was revoked but still reads")
        try:
            await self._check_share(reader, share)
        except ShareUnavailable:
            assert share.revoked == "uncertain", f"share {share.id} was lost"
            share.revoked = "confirmed"
            return
        share.revoked = None

    async def aclose(self) -> None:
        for person in self.people.values():
            await person.client.aclose()
