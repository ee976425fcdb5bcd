"""Invitations and connections through the SDK (steps 1–16), fingerprints computed locally."""

from __future__ import annotations

import pytest

from strongroom import crypto
from strongroom.client import Conflict, Connection, Gone, NotFound, Step, Strongroom, ValidationFailed


async def connect(inviter: Strongroom, invitee: Strongroom) -> tuple[Connection, Connection]:
    """Connect two users; returns (inviter's connection record, invitee's)."""
    invitation = await inviter.invite(nickname="my friend")
    assert invitation.token is not None
    theirs = await invitee.accept_invitation(
        invitation.token, nickname="my inviter", invitation_id=invitation.id
    )
    mine = next(c for c in await inviter.connections() if c.other_public_key == theirs.public_key)
    return mine, theirs


async def test_invite_and_accept_make_two_mirrored_connections(alice: Strongroom, bob: Strongroom) -> None:
    steps: list[Step] = []
    alice.progress = steps.append
    invitation = await alice.invite(nickname="Bobby", email="bob@example.test", message="hi")
    assert invitation.token
    assert invitation.nickname == "Bobby"
    assert invitation.email == "bob@example.test"
    assert [s.number for s in steps if s.flow == "invite"] == ["1", "2–4", "5–6", "7–9"]
    listed = await alice.invitations()
    assert [i.id for i in listed] == [invitation.id]
    assert listed[0].token is None

    bob.progress = steps.append
    bobs = await bob.accept_invitation(invitation.token, nickname="Ally", invitation_id=invitation.id)
    assert [s.number for s in steps if s.flow == "accept_invitation"] == ["10", "11–13", "14", "15–16"]
    assert bobs.nickname == "Ally"
    assert bobs.user_id == alice.credentials.vault_user_id

    [alices] = await alice.connections()
    assert alices.nickname == "Bobby"
    assert alices.user_id == bob.credentials.vault_user_id
    # Each side sees its own key and the other's: the fingerprints cross over.
    assert alices.my_fingerprint == bobs.their_fingerprint
    assert alices.their_fingerprint == bobs.my_fingerprint
    assert alices.my_fingerprint != alices.their_fingerprint
    assert alices.fingerprints_consistent
    assert bobs.fingerprints_consistent
    assert alices.their_fingerprint == crypto.fingerprint(bobs.public_key or "")
    assert (await bob.connection(bobs.id)).id == bobs.id


async def test_invitation_refusals(alice: Strongroom, bob: Strongroom) -> None:
    invitation = await alice.invite(nickname="someone")
    assert invitation.token is not None
    with pytest.raises(ValidationFailed):
        await alice.accept_invitation(invitation.token)
    await bob.accept_invitation(invitation.token, invitation_id=invitation.id)
    with pytest.raises(Gone):
        await bob.accept_invitation(invitation.token, invitation_id=invitation.id)
    again = await alice.invite(nickname="someone again")
    assert again.token is not None
    with pytest.raises(Conflict):
        await bob.accept_invitation(again.token, invitation_id=again.id)
    cancelled = await alice.invite()
    assert cancelled.token is not None
    await alice.cancel_invitation(cancelled.id)
    with pytest.raises((Gone, NotFound)):
        await bob.accept_invitation(cancelled.token, invitation_id=cancelled.id)


async def test_delete_connection_removes_both_sides(alice: Strongroom, bob: Strongroom) -> None:
    mine, theirs = await connect(alice, bob)
    await alice.delete_connection(mine.id)
    assert await alice.connections() == []
    with pytest.raises(NotFound):
        await bob.connection(theirs.id)
