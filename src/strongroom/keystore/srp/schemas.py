"""Request and response bodies of the SRP and session endpoints (fields as @meeco/keystore-api-sdk 0.13)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from strongroom.keystore.models import USERNAME_LENGTH
from strongroom.keystore.schemas import Timestamp
from strongroom.kit.sessions import ClientName

# Letters, digits, '_' and '-': a username is part 2 of the secret key ``1.<username>.<secret>``, so it can
# never hold a '.'.
USERNAME_PATTERN = rf"^[A-Za-z0-9_-]{{1,{USERNAME_LENGTH}}}$"

Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN)]
# Whole bytes of hex, as jsrp writes them: an odd number of digits is bad hex (422).
Hex = r"^(?:[0-9a-fA-F]{2})+$"
SaltHex = Annotated[str, StringConstraints(min_length=2, max_length=128, pattern=Hex)]
BigHex = Annotated[str, StringConstraints(min_length=2, max_length=512, pattern=Hex)]
ProofHex = Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=Hex)]


class UsernameCreate(BaseModel):
    captcha_token: Annotated[str, StringConstraints(max_length=4096)] | None = None


class UsernameRead(BaseModel):
    """A fresh username, reserved until ``expires_at`` (top level, no wrapper: as the SDK reads it)."""

    username: str
    expires_at: Timestamp


class UserCreate(BaseModel):
    username: Username
    srp_salt: SaltHex
    srp_verifier: BigHex


class UserRead(BaseModel):
    id: uuid.UUID
    username: str


class UserResponse(BaseModel):
    user: UserRead


class ChallengeCreate(BaseModel):
    username: Username
    srp_a: BigHex


class ChallengeRead(BaseModel):
    challenge_salt: str
    challenge_b: str


class ChallengeResponse(BaseModel):
    challenge: ChallengeRead


class SessionCreate(BaseModel):
    username: Username
    srp_a: BigHex
    srp_m: ProofHex
    # Extension: what the client calls itself in the session list (else its User-Agent).
    client_name: ClientName | None = None


class SessionRead(BaseModel):
    id: uuid.UUID
    session_authentication_string: str = Field(description="The session token: send it as `Authorization`.")
    valid_from: Timestamp
    valid_till: Timestamp
    username: str
    srp_m2: str = Field(description="The server's SRP proof M2 (extension), for clients that check it.")


class SessionResponse(BaseModel):
    session: SessionRead


class AccountDelete(BaseModel):
    """A fresh SRP proof for the caller's own username (``POST /srp/challenges`` first)."""

    srp_a: BigHex
    srp_m: ProofHex
