"""Builders of legacy (YAML-artefact) cryppo strings, following the layout in shared/spec/crypto.md."""

from __future__ import annotations

import base64

from strongroom.crypto import aes_gcm_encrypt, b64encode, pbkdf2_sha256


def std_b64(data: bytes) -> str:
    """Standard-alphabet base64, as YAML's !binary holds it."""
    return base64.b64encode(data).decode("ascii")


def aes_yaml(iv: bytes, tag: bytes, *, style: str = "cryppo-js") -> str:
    """Legacy Aes256Gcm artefacts as YAML text, in one of the spellings older writers used."""
    if style == "cryppo-js":
        return f"---\niv: !binary |-\n  {std_b64(iv)}\nat: !binary |-\n  {std_b64(tag)}\nad: none\n"
    if style == "quoted-keys":  # keys quoted, !!binary, alphabetical order
        return f"---\n'ad': none\n'at': !!binary |-\n  {std_b64(tag)}\n'iv': !!binary |-\n  {std_b64(iv)}\n"
    if style == "inline-crlf":  # inline binary values, CRLF line ends, "|" block indicator
        return f"---\r\niv: !binary \"{std_b64(iv)}\"\r\nat: !binary |\r\n  {std_b64(tag)}\r\nad: 'none'\r\n"
    raise ValueError(style)


def legacy_aes_string(key: bytes, plaintext: bytes, iv: bytes, *, style: str = "cryppo-js") -> str:
    """An Aes256Gcm string with YAML artefacts, encrypted by hand with the AES-GCM layer."""
    ciphertext, tag = aes_gcm_encrypt(key, plaintext, iv=iv, aad=b"none")
    yaml = aes_yaml(iv, tag, style=style)
    return f"Aes256Gcm.{b64encode(ciphertext)}.{b64encode(yaml.encode('latin-1'))}"


def legacy_passphrase_string(
    passphrase: str,
    plaintext: bytes,
    salt: bytes,
    iterations: int,
    iv: bytes,
    *,
    salt_as_string: bool = False,
) -> str:
    """A five-part passphrase string whose artefacts and derivation artefacts are both YAML."""
    key = pbkdf2_sha256(passphrase.encode("utf-8"), salt, iterations, 32)
    if salt_as_string:
        # Some writers put the raw salt bytes into a double-quoted YAML string (read as Latin-1).
        salt_yaml = '"' + salt.decode("latin-1").replace("\\", "\\\\").replace('"', '\\"') + '"'
        derivation = f"---\niv: {salt_yaml}\ni: {iterations}\nl: 32\nhash: SHA256\n"
    else:
        derivation = f"---\n'i': {iterations}\n'iv': !!binary |-\n  {std_b64(salt)}\n'l': 32\n"
    encrypted = legacy_aes_string(key, plaintext, iv)
    return f"{encrypted}.Pbkdf2Hmac.{b64encode(derivation.encode('latin-1'))}"
