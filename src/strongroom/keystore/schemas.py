"""Field types shared by the Keystore's request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer, StringConstraints

from strongroom.kit.clock import isoformat

# Longest accepted values. A wrapped RSA-4096 private key is about 4.5 kB; 16384-bit keys still fit.
MAX_WRAPPED_KEY = 16_384
MAX_WRAPPED_SYMMETRIC_KEY = 2_048
MAX_RSA_CIPHERTEXT = 8_192
MAX_PUBLIC_KEY = 8_192
MAX_SIGNATURE = 8_192
MAX_METADATA_BYTES = 16_384
MAX_EXTERNAL_IDENTIFIERS = 32

WrappedKey = Annotated[str, StringConstraints(min_length=1, max_length=MAX_WRAPPED_KEY)]
WrappedSymmetricKey = Annotated[str, StringConstraints(min_length=1, max_length=MAX_WRAPPED_SYMMETRIC_KEY)]
RsaCiphertext = Annotated[str, StringConstraints(min_length=1, max_length=MAX_RSA_CIPHERTEXT)]
PublicKeyPem = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PUBLIC_KEY)]

Timestamp = Annotated[datetime, PlainSerializer(isoformat, return_type=str)]
"""A datetime that goes out as ISO 8601 UTC with milliseconds and ``Z``."""
