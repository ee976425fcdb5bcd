"""Client tasks: the work the Vault cannot do without keys or without access to the Keystore.

After a shared card changes, the Vault queues an ``update_shares`` task for each sender whose shares carry
its values. Running it here: for every live share of that card the caller gave, open the share's DEK
(from the caller's own Keystore copy), encrypt the current values (the caller's own card, or for an
on-share the values of the parent share) and send them with ``PUT /shares``.

When a share ends in any way (expiry, revocation, its card, slot or connection deleted, its parent
revoked, on-sharing turned off, the other account deleted), the Vault queues ``delete_encryption_space``
for both parties: the caller deletes the share's Keystore encryption space (the whole space when the caller
made it, else the caller's own copy). A deleted connection also queues ``delete_keypair`` for the caller's
connection keypair. Already gone counts as done. The Vault is not trusted with these either: a space that
still backs one of the caller's live shares, and the login keypair, are never deleted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from strongroom.client._account import LOGIN_KEYPAIR_ID
from strongroom.client._errors import Conflict, Forbidden, NotFound, StrongroomError
from strongroom.client._models import ClientTaskRecord, ShareRecord
from strongroom.client._shares import ShareFlows
from strongroom.client._views import ClientTask, TaskRun

__all__ = ["TaskFlows"]

UPDATE_SHARES = "update_shares"
DELETE_ENCRYPTION_SPACE = "delete_encryption_space"
DELETE_KEYPAIR = "delete_keypair"
KNOWN = (UPDATE_SHARES, DELETE_ENCRYPTION_SPACE, DELETE_KEYPAIR)


def _task_view(record: ClientTaskRecord) -> ClientTask:
    return ClientTask(
        id=record.id,
        work_type=record.work_type,
        target_id=record.target_id,
        state=record.state,
        report=record.report,
        created_at=record.created_at,
    )


def _error_code(exc: StrongroomError) -> str:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else type(exc).__name__


class TaskFlows(ShareFlows):
    async def client_tasks(self, *, state: str | None = None) -> list[ClientTask]:
        """The caller's client tasks (all, or those in ``state``: todo, in_progress, done, failed)."""
        return [_task_view(r) for r in await self.vault.client_tasks(state=state)]

    async def run_client_tasks(self) -> list[TaskRun]:
        """Run every ``todo`` task the SDK knows (``update_shares``, ``delete_encryption_space``,
        ``delete_keypair``); returns what each run did.

        A task is marked ``in_progress`` before its work and ``done`` (report: how many shares were
        updated, or whether something was deleted) or ``failed`` (report: the error code) after it. Tasks
        of unknown kinds are left alone.
        """
        runs: list[TaskRun] = []
        in_use: dict[str, set[str]] = {}  # what the caller's live shares and connections still use
        for task in await self.vault.client_tasks(state="todo"):
            if task.work_type not in KNOWN:
                continue
            try:
                await self.vault.update_client_tasks([{"id": task.id, "state": "in_progress"}])
            except (Conflict, NotFound):
                continue  # another client of the same user took it, or it went away
            try:
                if task.work_type == UPDATE_SHARES:
                    count = await self._carry_update(task.target_id)
                    report: dict[str, Any] = {"updated_shares": count}
                else:
                    count = 0
                    report = {"deleted": await self._delete_leftover(task.work_type, task.target_id, in_use)}
            except StrongroomError as exc:
                code = _error_code(exc)
                await self.vault.update_client_tasks(
                    [{"id": task.id, "state": "failed", "report": {"error": code}}]
                )
                runs.append(TaskRun(task.id, task.work_type, task.target_id, "failed", 0, code))
                continue
            await self.vault.update_client_tasks([{"id": task.id, "state": "done", "report": report}])
            runs.append(TaskRun(task.id, task.work_type, task.target_id, "done", count))
        return runs

    async def _delete_leftover(
        self, work_type: str, target_id: str | None, in_use: dict[str, set[str]]
    ) -> bool:
        """Delete the Keystore record a ``delete_*`` task names; False when there was nothing to delete
        (already gone, or refused here because it is still in use). ``in_use`` caches, for one run, the
        keypairs and spaces the caller's connections and live shares still need."""
        if not target_id:
            return False
        ring = self._ring()
        if work_type == DELETE_KEYPAIR:
            try:
                keypair = await self.keystore.keypair(target_id)
            except NotFound:
                return False
            if LOGIN_KEYPAIR_ID in keypair.external_identifiers:
                return False  # the login key opens the Vault account: no task may take it
            if "keypairs" not in in_use:
                in_use["keypairs"] = {
                    c.key_store_keypair_id for c in await self.vault.connections() if c.key_store_keypair_id
                }
            if target_id in in_use["keypairs"]:
                return False
            ring.connection_keys.pop(target_id, None)
            with contextlib.suppress(NotFound):
                await self.keystore.delete_keypair(target_id)
            return True
        if "spaces" not in in_use:
            shares = (await self.vault.shares()).shares
            in_use["spaces"] = {s.encryption_space_id for s in shares if s.encryption_space_id}
        if target_id in in_use["spaces"]:
            return False
        ring.space_keys.pop(target_id, None)
        try:
            await self.keystore.delete_encryption_space(target_id)
        except (NotFound, Forbidden):
            return False
        return True

    async def _carry_update(self, target_id: str | None) -> int:
        """Re-encrypt the current values of card ``target_id`` for every share of it the caller gave."""
        flow = "update_shares"
        if not target_id:
            return 0
        outgoing = (await self.vault.shares(outgoing=True)).shares
        mine = [s for s in outgoing if s.shareable_id == target_id]
        if not mine:
            # Some servers name the share rather than the card as the target.
            mine = [s for s in outgoing if s.id == target_id]
        if not mine:
            return 0
        self._step(flow, None, f"re-encrypting card {mine[0].shareable_id} for {len(mine)} share(s)")
        direct: Mapping[str, str | None] | None = None
        parents: dict[str, Mapping[str, str | None]] = {}
        updates: list[dict[str, Any]] = []
        for share in mine:
            if share.parent_share_id:
                if share.parent_share_id not in parents:
                    try:
                        parent = await self.read_share(share.parent_share_id)
                    except StrongroomError:
                        continue  # the parent is gone: the Vault revokes this on-share with it
                    parents[share.parent_share_id] = {s.id: s.value for s in parent.slots}
                values = parents[share.parent_share_id]
            else:
                if direct is None:
                    try:
                        card = await self.card(share.shareable_id)
                    except NotFound:
                        continue
                    direct = {s.id: s.value for s in card.slots}
                values = direct
            updates.append(await self._new_values(share, values, flow))
        if updates:
            await self.vault.update_shares(updates)
        return len(updates)

    async def _new_values(
        self, share: ShareRecord, values: Mapping[str, str | None], flow: str
    ) -> dict[str, Any]:
        if not share.encryption_space_id:
            raise NotFound(404, "not_found", f"share {share.id} names no encryption space")
        dek = await self._space_key(share.encryption_space_id, None, flow)
        chosen = {share.slot_id: values.get(share.slot_id)} if share.slot_id else dict(values)
        return {
            "id": share.id,
            "encrypted_values": {k: self._encrypt(dek, v) for k, v in chosen.items() if v is not None},
        }
