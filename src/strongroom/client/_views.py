"""What the flows return: plaintext views of cards, connections and shares, and the session credentials.

Plain frozen dataclasses. Values are decrypted; wrapped keys and ciphertext never appear here. The
``repr`` of anything holding a secret (secret key, tokens) is redacted so that it cannot leak into logs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

__all__ = [
    "UNSET",
    "Card",
    "CardSlot",
    "ClientTask",
    "Connection",
    "Credentials",
    "Invitation",
    "InvitationPreview",
    "ProgressCallback",
    "SessionInfo",
    "Share",
    "SharedCard",
    "SlotInput",
    "Step",
    "TaskRun",
    "Template",
    "TemplateSlot",
    "Unset",
    "User",
]


class Unset(Enum):
    """Marks an argument left out (so that ``None`` can mean "clear it")."""

    UNSET = "UNSET"


UNSET = Unset.UNSET


@dataclass(frozen=True)
class Step:
    """One step of a flow, reported to the progress callback before it runs.

    ``flow`` is ``sign_up``, ``log_in``, ``invite``, ``accept_invitation``, ``share``, ``read_share``,
    ``update_shares``, ...; ``number`` is the step's number in the seed guide (``"23"``, ``"26–27"``) or
    None; ``slow`` marks the CPU-heavy steps (RSA-4096 generation, key derivation) worth a spinner.
    """

    flow: str
    number: str | None
    text: str
    slow: bool = False


ProgressCallback = Callable[[Step], None]


@dataclass(frozen=True, repr=False)
class Credentials:
    """What a user needs to come back without logging in again: the secret key and both session tokens.

    The passphrase is never part of it. ``repr`` shows the username only.
    """

    username: str
    secret_key: str
    keystore_token: str
    vault_token: str
    vault_user_id: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, <secrets redacted>)"


@dataclass(frozen=True)
class User:
    """The Vault account: its id and the profile the user chose to reveal."""

    id: str
    username: str
    full_name: str | None
    email: str | None
    joined_at: datetime | None
    # When ``email`` was verified (a code mailed to it); None while it is not.
    email_verified_at: datetime | None = None


@dataclass(frozen=True)
class TemplateSlot:
    name: str
    label: str | None
    slot_type_name: str | None


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    label: str | None
    description: str | None
    slots: tuple[TemplateSlot, ...]


@dataclass(frozen=True)
class SlotInput:
    """A slot value to write: matched by ``name`` (a template slot or an existing one); a slot the card
    lacks is added with ``label`` and ``slot_type_name`` (``key_value`` by default)."""

    name: str | None = None
    value: str | None = None
    label: str | None = None
    slot_type_name: str | None = None


@dataclass(frozen=True)
class CardSlot:
    id: str
    name: str | None
    label: str | None
    slot_type_name: str | None
    value: str | None
    ordinal: int | None = None
    # ``attachment`` slots: the Vault's attachment whose file key is ``value`` (see download_attachment).
    attachment_id: str | None = None


@dataclass(frozen=True)
class Card:
    """A card (a Vault item) with its slot values decrypted."""

    id: str
    name: str | None
    label: str | None
    template_id: str | None
    template_label: str | None
    slots: tuple[CardSlot, ...]
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def values(self) -> dict[str, str | None]:
        """Slot name (or id when unnamed) → plaintext value."""
        return {s.name or s.id: s.value for s in self.slots}

    def slot(self, name_or_id: str) -> CardSlot:
        """The slot named (or with the id) ``name_or_id``; raises KeyError."""
        for s in self.slots:
            if name_or_id in (s.name, s.id):
                return s
        raise KeyError(name_or_id)


@dataclass(frozen=True)
class Invitation:
    """An invitation the caller sent; ``token`` is present only when just created."""

    id: str
    token: str | None = field(repr=False)
    email: str | None
    message: str | None
    nickname: str | None
    keypair_id: str | None
    public_key_id: str | None
    sent_at: datetime | None
    expires_at: datetime | None
    state: str | None


@dataclass(frozen=True)
class InvitationPreview:
    """An invitation as its token shows it before accepting: who invites, their message, the expiry."""

    id: str
    user_id: str | None
    user_name: str | None
    message: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class Connection:
    """A connection seen by the caller: the other user, the caller's nickname for them, and both keys'
    fingerprints computed locally beside the ones the Vault reports, so two people can compare them out of
    band. ``my_fingerprint`` comes from the caller's own keypair; ``their_fingerprint`` from the key the Vault
    serves for the other user, which must equal what the other person reads out as theirs."""

    id: str
    user_id: str | None
    nickname: str | None
    user_name: str | None
    user_email: str | None
    my_fingerprint: str | None
    their_fingerprint: str | None
    vault_my_fingerprint: str | None
    vault_their_fingerprint: str | None
    keypair_id: str | None
    encryption_space_id: str | None
    other_encryption_space_id: str | None
    created_at: datetime | None
    public_key: str | None = field(default=None, repr=False)
    other_public_key: str | None = field(default=None, repr=False)

    @property
    def fingerprints_consistent(self) -> bool:
        """True when the Vault's fingerprints (if any) match the ones computed from the keys."""
        pairs = (
            (self.my_fingerprint, self.vault_my_fingerprint),
            (self.their_fingerprint, self.vault_their_fingerprint),
        )
        return all(vault is None or local == vault for local, vault in pairs)

    def verify(self, their_fingerprint: str) -> bool:
        """Whether ``their_fingerprint`` (as the other person read out their ``my_fingerprint``; spaces
        and separators do not matter) is the fingerprint of the key the caller encrypts to."""
        heard = "".join(c for c in their_fingerprint if c.isdigit())
        shown = "".join(c for c in self.their_fingerprint or "" if c.isdigit())
        return bool(shown) and heard == shown


@dataclass(frozen=True)
class Share:
    """A share's metadata as the caller sees it (``outgoing`` when the caller gave it)."""

    id: str
    card_id: str
    card_label: str | None
    slot_id: str | None
    connection_id: str | None
    encryption_space_id: str | None
    outgoing: bool
    other_user_id: str | None
    owner_id: str | None
    sender_id: str | None
    recipient_id: str | None
    terms: str | None
    distributable: bool
    acceptance: str | None
    parent_share_id: str | None
    expires_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None

    @property
    def awaiting_acceptance(self) -> bool:
        """True while the recipient has not accepted a share that requires it."""
        return self.acceptance == "acceptance_required"


@dataclass(frozen=True)
class SharedCard:
    """A card received through a share, with the shared slot values decrypted."""

    share: Share
    label: str | None
    template_label: str | None
    slots: tuple[CardSlot, ...]

    @property
    def values(self) -> dict[str, str | None]:
        return {s.name or s.id: s.value for s in self.slots}


@dataclass(frozen=True)
class ClientTask:
    id: str
    work_type: str
    target_id: str | None
    state: str
    report: Any
    created_at: datetime | None


@dataclass(frozen=True)
class TaskRun:
    """The outcome of one client task run by :meth:`Strongroom.run_client_tasks`."""

    task_id: str
    work_type: str
    target_id: str | None
    state: str
    updated_shares: int
    error: str | None = None


@dataclass(frozen=True)
class ShareEvent:
    """One read of a share's values by its recipient (``reader_id``) at ``read_at``."""

    id: str
    share_id: str
    reader_id: str
    read_at: datetime


@dataclass(frozen=True)
class OnShare:
    """An on-share made from a share: ``sender_id`` passed the card on to ``recipient_id``."""

    id: str
    parent_share_id: str | None
    sender_id: str
    recipient_id: str
    created_at: datetime


@dataclass(frozen=True)
class ShareActivity:
    """What the owner or sender of a share can see of its life: reads, and (owner) its on-shares."""

    events: tuple[ShareEvent, ...]
    on_shares: tuple[OnShare, ...]


@dataclass(frozen=True)
class SessionInfo:
    """One of the user's sessions in one service (``"keystore"`` or ``"vault"``), from
    :meth:`Strongroom.sessions`. ``client_name`` is what the client called itself at login (or its
    User-Agent); ``last_used_at`` is accurate to the server's ``session_touch_interval``. The Vault lists
    only sessions that have made a request."""

    service: str
    id: str
    created_at: datetime
    last_used_at: datetime
    client_name: str | None
    expires_at: datetime
    current: bool
