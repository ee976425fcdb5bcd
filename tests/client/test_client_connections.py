"""Invitations and connections through the SDK (steps 1–16), fingerprints computed locally."""

from __future__ import annotations

import pytest

from strongroom import crypto
from strongroom.client import (
    Conflict,
    Connection,
    Gone,
    InvalidArgument,
    NotFound,
    Step,
    Strongroom,
    ValidationFailed,
)


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
    numbered = [s.number for s in steps if s.flow == "accept_invitation" and s.number is not None]
    assert numbered == ["10", "11–13", "14", "15–16"]
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


async def test_a_bad_token_fails_before_any_key_is_made(alice: Strongroom, bob: Strongroom) -> None:
    steps: list[Step] = []
    bob.progress = steps.append
    with pytest.raises(NotFound):
        await bob.accept_invitation("inv_not-a-real-token")
    assert not [s for s in steps if "RSA" in s.text]
    invitation = await alice.invite()
    assert invitation.token is not None
    with pytest.raises(ValidationFailed):
        await alice.accept_invitation(invitation.token)  # one's own: refused before key generation too
    assert not [s for s in steps if "RSA" in s.text]


async def test_preview_names_the_inviter_and_the_nickname_defaults_to_it(
    alice: Strongroom, bob: Strongroom
) -> None:
    await alice.update_profile(full_name="Alice Liddell")
    invitation = await alice.invite()
    assert invitation.token is not None
    preview = await bob.preview_invitation(invitation.token, invitation_id=invitation.id)
    assert preview.user_name == "Alice Liddell"
    assert preview.id == invitation.id
    bobs = await bob.accept_invitation(invitation.token)
    assert bobs.nickname == "Alice Liddell"
    renamed = await bob.rename_connection(bobs.id, "Ally")
    assert renamed.nickname == "Ally"
    assert (await bob.connection(bobs.id)).nickname == "Ally"
    [alices] = await alice.connections()
    with pytest.raises(NotFound):
        await bob.rename_connection(alices.id, "not mine")  # alice's record of it is not bob's
    with pytest.raises(InvalidArgument):
        await bob.rename_connection(bobs.id, "  ")


async def test_inviting_ones_own_address_is_refused(alice: Strongroom) -> None:
    await alice.update_profile(email="alice@example.test")
    with pytest.raises(InvalidArgument):
        await alice.invite(email="Alice@Example.test")
    assert await alice.invitations() == []
    # The Vault refuses it too (for any other client): 422 cannot_invite_yourself.
    key = await alice.vault.create_public_key("any", crypto.generate_keypair().public_pem)
    name = crypto.encrypt_with_key(crypto.generate_key(), b"me")
    with pytest.raises(ValidationFailed) as refused:
        await alice.vault.create_invitation(key.id, name, email="alice@example.test")
    assert refused.value.code == "cannot_invite_yourself"
