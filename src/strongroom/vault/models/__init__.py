"""ORM models of the Vault database, one module per area; every model is importable from here."""

from strongroom.vault.models.accounts import (
    AdmissionToken,
    EmailVerification,
    ServerSecret,
    UsedRequestSignature,
    User,
    VaultSession,
)
from strongroom.vault.models.attachments import Attachment, Blob, BlobState
from strongroom.vault.models.base import Base
from strongroom.vault.models.cards import Item, ItemTemplate, Slot, TemplateSlot
from strongroom.vault.models.connections import Connection, Invitation, InvitationState
from strongroom.vault.models.keys import PublicKey
from strongroom.vault.models.mail import MailState, OutboxMail
from strongroom.vault.models.shares import AcceptanceRequired, Share, ShareReadEvent
from strongroom.vault.models.spaces import EncryptionSpace
from strongroom.vault.models.tasks import ClientTask, ClientTaskState

__all__ = [
    "AcceptanceRequired",
    "AdmissionToken",
    "Attachment",
    "Base",
    "Blob",
    "BlobState",
    "ClientTask",
    "ClientTaskState",
    "Connection",
    "EmailVerification",
    "EncryptionSpace",
    "Invitation",
    "InvitationState",
    "Item",
    "ItemTemplate",
    "MailState",
    "OutboxMail",
    "PublicKey",
    "ServerSecret",
    "Share",
    "ShareReadEvent",
    "Slot",
    "TemplateSlot",
    "UsedRequestSignature",
    "User",
    "VaultSession",
]
