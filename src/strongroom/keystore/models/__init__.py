"""ORM models of the Keystore database (importing this package registers every table on ``Base.metadata``)."""

from strongroom.keystore.models.accounts import (
    USERNAME_LENGTH,
    ServerSecret,
    Session,
    SrpChallenge,
    User,
    UsernameReservation,
)
from strongroom.keystore.models.admission import AdmissionToken
from strongroom.keystore.models.base import Base
from strongroom.keystore.models.keys import (
    EXTERNAL_ID_LENGTH,
    DataEncryptionKey,
    KeyEncryptionKey,
    Keypair,
    KeypairExternalId,
)
from strongroom.keystore.models.spaces import (
    EncryptionSpace,
    EncryptionSpaceKey,
    SharedKey,
    SharedKeyClaim,
    UsedClaimSignature,
)

__all__ = [
    "EXTERNAL_ID_LENGTH",
    "USERNAME_LENGTH",
    "AdmissionToken",
    "Base",
    "DataEncryptionKey",
    "EncryptionSpace",
    "EncryptionSpaceKey",
    "KeyEncryptionKey",
    "Keypair",
    "KeypairExternalId",
    "ServerSecret",
    "Session",
    "SharedKey",
    "SharedKeyClaim",
    "SrpChallenge",
    "UsedClaimSignature",
    "User",
    "UsernameReservation",
]
