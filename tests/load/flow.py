"""The simulated users of the load run: each signs up once, then repeats the whole flow until time is up.

One iteration of user *i* (the owner) with a partner *j* (another simulated user):

    create card → invite j (with an email: the outbox and the mail worker run too) → j accepts →
    share the card → j reads it (claiming the share key) → owner edits the card and runs the client
    task that re-encrypts it for the share → j reads the new values (own copy of the key) → both list
    their shares → owner revokes the share → owner disconnects (so the pair can connect again later)
    → in the second iteration and every fifth after it, the owner also logs in afresh (SRP, keys).

Partners rotate over ``1 .. (n-1)//2`` places ahead, so an unordered pair of users is only ever handled by
one owner, never by two at once. Every value read is checked against what was written; a mismatch is a
failure like any error.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from strongroom.client import Strongroom, StrongroomError
from tests.load.stats import Recorder

__all__ = ["VirtualUser", "run_population"]

LOG_IN_EVERY = 5


@dataclass
class VirtualUser:
    """One simulated user; ``connect`` makes an SDK client of the server process the user talks to."""

    index: int
    connect: Callable[[], Strongroom]
    passphrase: str
    client: Strongroom = field(init=False)
    secret_key: str = ""
    user_id: str = ""
    iterations: int = 0

    def __post_init__(self) -> None:
        self.client = self.connect()

    @property
    def email(self) -> str:
        return f"user{self.index}@load.test"


class Population:
    def __init__(self, users: list[VirtualUser], recorder: Recorder) -> None:
        self.users = users
        self.recorder = recorder
        self.op = recorder.operation

    async def sign_up(self, user: VirtualUser) -> None:
        async with self.op("sign up"):
            creds = await user.client.sign_up(
                user.passphrase, full_name=f"User {user.index}", email=user.email
            )
        user.secret_key, user.user_id = creds.secret_key, creds.vault_user_id

    def partner_of(self, owner: VirtualUser, iteration: int) -> VirtualUser:
        count = len(self.users)
        spread = max(1, (count - 1) // 2)
        return self.users[(owner.index + 1 + iteration % spread) % count]

    async def iteration(self, owner: VirtualUser, number: int) -> None:
        partner = self.partner_of(owner, number)
        tag = f"{owner.index}-{number}"
        async with self.op("create card"):
            card = await owner.client.create_card(
                "vehicle", f"Car {tag}", {"make": f"make {tag}", "vin": f"VIN {tag}"}
            )
        async with self.op("invite"):
            invitation = await owner.client.invite(nickname=f"User {partner.index}", email=partner.email)
        assert invitation.token is not None
        async with self.op("accept invitation"):
            await partner.client.accept_invitation(
                invitation.token, nickname=f"User {owner.index}", invitation_id=invitation.id
            )
        async with self.op("list connections"):
            [connection] = [c for c in await owner.client.connections() if c.user_id == partner.user_id]
        async with self.op("share card"):
            share = await owner.client.share(card.id, connection.id)
        async with self.op("read share (claim key)"):
            read = await partner.client.read_share(share.id)
        if read.values != {"make": f"make {tag}", "vin": f"VIN {tag}"}:
            raise AssertionError(f"share {share.id} read back wrong values")
        async with self.op("update card + client task"):
            await owner.client.update_card(card.id, slots={"make": f"new make {tag}"})
            runs = await owner.client.run_client_tasks()
        if not any(r.target_id == card.id and r.state == "done" for r in runs):
            raise AssertionError(f"no client task carried the update of card {card.id}")
        async with self.op("read share (own key)"):
            read = await partner.client.read_share(share.id)
        if read.values.get("make") != f"new make {tag}":
            raise AssertionError(f"share {share.id} does not show the update")
        async with self.op("list shares"):
            await owner.client.shares(outgoing=True)
            await partner.client.shares(outgoing=False)
        async with self.op("revoke share"):
            await owner.client.revoke_share(share.id)
        async with self.op("disconnect"):
            await owner.client.delete_connection(connection.id)
        if number % LOG_IN_EVERY == 1:
            async with self.op("log in"), owner.connect() as fresh:
                await fresh.log_in(owner.secret_key, owner.passphrase)
                await fresh.log_out()

    async def _tidy(self, owner: VirtualUser, number: int) -> None:
        """After a failed iteration: drop the pair's connection so later iterations start clean."""
        partner = self.partner_of(owner, number)
        with contextlib.suppress(StrongroomError):
            for connection in await owner.client.connections():
                if connection.user_id == partner.user_id:
                    await owner.client.delete_connection(connection.id)

    async def run_user(self, owner: VirtualUser, deadline: float, max_iterations: int) -> None:
        while time.monotonic() < deadline and owner.iterations < max_iterations:
            number = owner.iterations
            owner.iterations += 1
            try:
                await self.iteration(owner, number)
            except Exception as exc:
                if not isinstance(exc, StrongroomError | AssertionError):
                    self.recorder.failure("iteration", exc)
                await self._tidy(owner, number)


async def run_population(
    users: list[VirtualUser], recorder: Recorder, seconds: float, max_iterations: int
) -> tuple[float, float]:
    """Sign every user up (all at once), then run the flow until ``seconds`` have passed.

    Returns the seconds the sign-up phase and the flow phase took. Users finish the iteration they are in
    when time is up, so the flow phase runs a little longer than ``seconds``.
    """
    population = Population(users, recorder)
    began = time.monotonic()
    await asyncio.gather(*(population.sign_up(u) for u in users), return_exceptions=True)
    signed = [u for u in users if u.user_id]
    if len(signed) != len(users):
        failures = recorder.first_failures
        raise RuntimeError(f"only {len(signed)} of {len(users)} sign-ups succeeded: {failures}")
    flow_began = time.monotonic()
    deadline = flow_began + seconds
    await asyncio.gather(*(population.run_user(u, deadline, max_iterations) for u in users))
    return flow_began - began, time.monotonic() - flow_began
