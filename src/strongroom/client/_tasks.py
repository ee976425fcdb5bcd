"""Client tasks: the work the Vault cannot do without keys (``update_shares`` after an owner edit).

After a shared card changes, the Vault queues an ``update_shares`` task for each sender whose shares carry
its values. Running it here: for every live share of that card the caller gave, open the share's DEK
(from the caller's own Keystore copy), encrypt the current values (the caller's own card, or for an
on-share the values of the parent share) and send them with ``PUT /shares``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strongroom.client._errors import Conflict, NotFound, StrongroomError
from strongroom.client._models import ClientTaskRecord, ShareRecord
from strongroom.client._shares import ShareFlows
from strongroom.client._views import ClientTask, TaskRun

__all__ = ["TaskFlows"]

UPDATE_SHARES = "update_shares"


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
        """Run every ``todo`` task the SDK knows (``update_shares``); returns what each run did.

        A task is marked ``in_progress`` before its work and ``done`` (report: how many shares were
        updated) or ``failed`` (report: the error code) after it. Tasks of unknown kinds are left alone.
        """
        runs: list[TaskRun] = []
        for task in await self.vault.client_tasks(state="todo"):
            if task.work_type != UPDATE_SHARES:
                continue
            try:
                await self.vault.update_client_tasks([{"id": task.id, "state": "in_progress"}])
            except (Conflict, NotFound):
                continue  # another client of the same user took it, or it went away
            try:
                count = await self._carry_update(task.target_id)
            except StrongroomError as exc:
                code = _error_code(exc)
                await self.vault.update_client_tasks(
                    [{"id": task.id, "state": "failed", "report": {"error": code}}]
                )
                runs.append(TaskRun(task.id, task.work_type, task.target_id, "failed", 0, code))
                continue
            await self.vault.update_client_tasks(
                [{"id": task.id, "state": "done", "report": {"updated_shares": count}}]
            )
            runs.append(TaskRun(task.id, task.work_type, task.target_id, "done", count))
        return runs

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
