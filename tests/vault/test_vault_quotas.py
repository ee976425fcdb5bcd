"""Per-user quotas of the Vault: items and stored bytes (quota_items_per_user, quota_bytes_per_user)."""

from __future__ import annotations

import httpx
import pytest

from strongroom.kit.settings import Settings
from tests.vault.factories import make_card
from tests.vault.helpers import KeyPool, error_code, sign_up


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
