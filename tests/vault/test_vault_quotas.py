"""Per-user quotas of the Vault: items and stored bytes (quota_items_per_user, quota_bytes_per_user)."""

from __future__ import annotations

import httpx
import pytest

from strongroom.crypto import generate_key
from strongroom.kit.settings import Settings
from tests.vault.factories import encrypt_values, link_space, make_card, post_share, share_card
from tests.vault.helpers import KeyPool, connect, error_code, sign_up


@pytest.fixture
def settings_with_quotas(settings: Settings) -> Settings:
    settings.quota_items_per_user = 3
    settings.quota_bytes_per_user = 64 * 1024
    return settings


async def test_items_past_the_quota_answer_422_and_store_nothing(
    settings_with_quotas: Settings, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    for i in range(3):
        await make_card(vault, alice, label=f"car {i}")
    with pytest.raises(AssertionError, match="quota_exceeded"):
        await make_card(vault, alice, label="one too many")
    listed = (await vault.get("/items", headers=alice.headers)).json()["items"]
    assert len(listed) == 3
    await make_card(vault, bob)  # a quota per user


async def test_stored_bytes_past_the_quota_answer_413(
    settings_with_quotas: Settings, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    # Before: five 19 MB items were accepted. Now each body is bounded and so is the sum per user.
    alice = await sign_up(vault, keys)
    big = "x" * (40 * 1024)
    _, slots = await make_card(vault, alice, values={"vin": big})
    r = await vault.put(
        f"/slots/{slots['make']['id']}",
        json={"slot": {"encrypted_value": alice.encrypt(big)}},
        headers=alice.headers,
    )
    assert (r.status_code, error_code(r)) == (413, "storage_quota_exceeded"), r.text
    r = await vault.post(
        "/items",
        json={
            "template_name": "vehicle",
            "item": {
                "label": "x",
                "slots_attributes": [{"name": "vin", "encrypted_value": alice.encrypt(big)}],
            },
        },
        headers=alice.headers,
    )
    assert (r.status_code, error_code(r)) == (413, "storage_quota_exceeded"), r.text
    assert len((await vault.get("/items", headers=alice.headers)).json()["items"]) == 1


async def test_share_copies_count_against_the_senders_stored_bytes(
    settings_with_quotas: Settings, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    # Before: only slot values counted, so a 40 KB card could be shared any number of times.
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    to_bob, _ = await connect(vault, keys, alice, bob)
    big = "x" * (16 * 1024)  # about 22 KB as a cryppo string: the card and one copy fit in 64 KiB, two do not
    item, slots = await make_card(vault, alice, values={"vin": big})
    await share_card(vault, alice, to_bob["id"], item["id"], slots, {"vin": big})
    space_id = await link_space(vault, alice, to_bob["id"])
    again = {
        "shareable_type": "Item",
        "shareable_id": item["id"],
        "slot_id": slots["vin"]["id"],
        "connection_id": to_bob["id"],
        "encryption_space_id": space_id,
        "encrypted_values": encrypt_values(generate_key(), slots, {"vin": big}),
    }
    r = await post_share(vault, alice, again)
    assert (r.status_code, error_code(r)) == (413, "storage_quota_exceeded"), r.text
    assert len((await vault.get("/shares", headers=alice.headers)).json()["shares"]) == 1
    # The recipient's own budget is not touched by what others send them.
    await make_card(vault, bob, values={"vin": big})
