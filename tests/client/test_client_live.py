"""The seed's whole flow through the SDK against a real uvicorn server, with real RSA-4096 key generation and
the invitation taken from the mail the Vault delivered into its maildir folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

from strongroom.cli._connections import parse_invitation_mail
from strongroom.client import Strongroom
from strongroom.kit.settings import Settings
from tests.client.live import live_server


async def wait_for_mail(folder: Path, patience: float = 30.0) -> str:
    """The text of the first mail delivered into the maildir ``folder`` (its ``new`` subfolder)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while loop.time() < deadline:
        delivered = sorted((folder / "new").glob("*")) if (folder / "new").exists() else []
        if delivered:
            return delivered[0].read_text(encoding="utf-8")
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mail in {folder}")


async def test_seed_flow_over_real_http(settings: Settings) -> None:
    live = settings.model_copy(update={"run_mail_worker": True, "mail_poll_interval": 0.1})
    with live_server(live) as url:
        async with Strongroom(url) as alice, Strongroom(url) as bob:
            await alice.sign_up("alice passphrase", full_name="Alice")
            await bob.sign_up("bob passphrase", email="bob@example.test")
            card = await alice.create_card("vehicle", "My car", {"secret_note": "under the mat"})

            invitation = await alice.invite(nickname="Bob", email="bob@example.test")
            mail = await wait_for_mail(live.resolved_mail_dir)
            token, invitation_id = parse_invitation_mail(mail)
            assert (token, invitation_id) == (invitation.token, invitation.id)
            await bob.accept_invitation(token, nickname="Alice", invitation_id=invitation_id)

            [to_bob] = await alice.connections()
            share = await alice.share(card.id, to_bob.id, terms="Keep it to yourself.")
            await bob.accept_share(share.id)
            read = await bob.read_share(share.id)
            assert read.values["secret_note"] == "under the mat"
