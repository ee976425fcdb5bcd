"""The package boundary: the agreed API exists, importing is side-effect free, no other strongroom code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import strongroom.crypto

PACKAGE_DIR = Path(strongroom.crypto.__file__).parent
MODULES = sorted(path for path in PACKAGE_DIR.glob("*.py"))

# The names of notes/crypto-api.md (the agreed API), all re-exported from strongroom.crypto.
AGREED_API = [
    "CryptoError",
    "SerializationError",
    "DecryptionError",
    "KeyFormatError",
    "SignatureError",
    "b64encode",
    "b64decode",
    "to_hex",
    "from_hex",
    "encode_document",
    "decode_document",
    "generate_key",
    "KeyPair",
    "generate_keypair",
    "load_public_key",
    "load_private_key",
    "public_key_strategy",
    "EncryptedString",
    "DerivationArtefacts",
    "parse_encrypted",
    "serialize_encrypted",
    "is_encrypted",
    "encrypt_with_key",
    "decrypt_with_key",
    "encrypt_with_public_key",
    "decrypt_with_private_key",
    "encrypt_with_passphrase",
    "decrypt_with_passphrase",
    "encrypt_text",
    "decrypt_text",
    "wrap_key",
    "unwrap_key",
    "wrap_private_key",
    "unwrap_private_key",
    "sign",
    "parse_signature",
    "verify",
    "Signature",
    "pbkdf2_sha256",
    "derive_pdk",
    "derive_srp_password",
    "generate_secret_key",
    "SecretKey",
    "parse_secret_key",
    "base58_encode",
    "fingerprint",
    "N",
    "G",
    "create_verifier",
    "SrpClient",
    "server_challenge",
    "server_verify",
    "fake_salt",
    "fake_verifier",
    "SrpError",
]


def test_agreed_api_is_exported() -> None:
    missing = [name for name in AGREED_API if name not in strongroom.crypto.__all__]
    assert missing == []
    for name in strongroom.crypto.__all__:
        assert getattr(strongroom.crypto, name) is not None


def test_error_hierarchy() -> None:
    from strongroom.crypto import (
        CryptoError,
        DecryptionError,
        KeyFormatError,
        SerializationError,
        SignatureError,
        SrpError,
    )

    for error in (SerializationError, DecryptionError, KeyFormatError, SignatureError, SrpError):
        assert issubclass(error, CryptoError)
    assert issubclass(SerializationError, ValueError)
    assert issubclass(KeyFormatError, ValueError)


def _strongroom_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.append("<relative>")
    return [name for name in names if name.startswith("strongroom") or name == "<relative>"]


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_modules_import_only_strongroom_crypto(path: Path) -> None:
    for name in _strongroom_imports(path):
        assert name == "strongroom.crypto" or name.startswith("strongroom.crypto."), name


def test_import_has_no_side_effects_and_loads_no_other_strongroom_package() -> None:
    code = (
        "import sys, logging\n"
        "handlers = list(logging.getLogger().handlers)\n"
        "from strongroom.crypto import *\n"
        "import strongroom.crypto\n"
        "assert logging.getLogger().handlers == handlers\n"
        "print(sorted(m for m in sys.modules if m.startswith('strongroom') "
        "and m != 'strongroom' and not m.startswith('strongroom.crypto')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == "[]"


def _module(path: Path) -> ModuleType:
    return sys.modules[f"strongroom.crypto.{path.stem}"] if path.stem != "__init__" else strongroom.crypto


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_mutable_module_state(path: Path) -> None:
    module = _module(path)
    mutable = [
        name
        for name, value in vars(module).items()
        if not name.startswith("__") and isinstance(value, dict | list | set | bytearray)
    ]
    assert mutable == []
