"""The user's sessions in both services: list them, end one, end all but the current ones."""

from __future__ import annotations

from strongroom.client._core import Core
from strongroom.client._errors import InvalidArgument, NotFound
from strongroom.client._models import SessionRecord
from strongroom.client._views import SessionInfo

__all__ = ["SERVICES", "SessionFlows"]

SERVICES = ("keystore", "vault")


def _info(service: str, record: SessionRecord) -> SessionInfo:
    return SessionInfo(
        service=service,
        id=record.id,
        created_at=record.created_at,
        last_used_at=record.last_used_at,
        client_name=record.client_name,
        expires_at=record.expires_at,
        current=record.current,
    )


class SessionFlows(Core):
    async def sessions(self) -> list[SessionInfo]:
        """The logged-in user's live sessions: the Keystore's, then the Vault's, each oldest first, with
        ``current`` marking this client's own. Raises :class:`NotLoggedIn`, :class:`Unauthorized` (an
        ended session), :class:`TransportError`."""
        self.credentials  # noqa: B018 -- raises NotLoggedIn before any request
        keystore = [_info("keystore", r) for r in await self.keystore.sessions()]
        return keystore + [_info("vault", r) for r in await self.vault.sessions()]

    async def end_session(self, session_id: str, *, service: str | None = None) -> str:
        """End one of the user's sessions by id (from :meth:`sessions`), in ``service`` or else in
        whichever service has it; returns that service's name. Ending this client's own session logs it
        out of that service. Raises :class:`NotFound` when neither service has a session of the user's
        with that id, :class:`InvalidArgument` for an unknown ``service``."""
        self.credentials  # noqa: B018
        if service is not None and service not in SERVICES:
            raise InvalidArgument(f"service must be one of {', '.join(SERVICES)}")
        for name in (service,) if service is not None else SERVICES:
            try:
                await (self.keystore if name == "keystore" else self.vault).end_session(session_id)
            except NotFound:
                if service is not None or name == SERVICES[-1]:
                    raise
                continue
            return name
        raise AssertionError("unreachable")  # pragma: no cover

    async def end_other_sessions(self) -> dict[str, int]:
        """End every session of the user's but this client's own, in both services (Vault tokens never
        used included); returns how many ended in each (``{"keystore": n, "vault": m}``; the Vault counts
        used ones only). Raises :class:`Unauthorized` if this client's session was ended meanwhile."""
        self.credentials  # noqa: B018
        return {
            "keystore": await self.keystore.end_other_sessions(),
            "vault": await self.vault.end_other_sessions(),
        }
