"""Parsing and serializing cryppo strings: shapes, artefacts, legacy YAML, and clean rejection."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.crypto import (
    DerivationArtefacts,
    EncryptedString,
    KeyPair,
    SerializationError,
    b64decode,
    b64encode,
    decode_document,
    decrypt_with_key,
    decrypt_with_passphrase,
    decrypt_with_private_key,
    encode_document,
    encrypt_with_key,
    encrypt_with_passphrase,
    encrypt_with_public_key,
    is_encrypted,
    parse_encrypted,
    serialize_encrypted,
)
from tests.crypto.legacy import legacy_aes_string, legacy_passphrase_string

KEY = bytes(range(32))
IV = bytes(range(100, 112))
TAG = bytes(range(200, 216))
CT = b64encode(b"ciphertext")

Fields = Sequence[tuple[str, bytes | str | int]]


def artefacts(fields: Fields, version: bytes = b"A") -> str:
    return b64encode(version + encode_document(fields))


GOOD_ARTEFACTS = artefacts([("iv", IV), ("at", TAG), ("ad", "none")])
GOOD_DERIVATION = artefacts([("iv", b"s" * 20), ("i", 20000), ("l", 32), ("hash", "SHA256")], b"K")
RSA_CT_2048 = b64encode(b"\x01" * 256)


def test_aes_string_parses_into_its_fields() -> None:
    value = parse_encrypted(f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}")
    assert value == EncryptedString("Aes256Gcm", b"ciphertext", {"iv": IV, "at": TAG, "ad": "none"}, None)


def test_serialize_writes_cryppo_bson_form_and_round_trips() -> None:
    value = EncryptedString("Aes256Gcm", b"ciphertext", {"iv": IV, "at": TAG, "ad": "none"})
    assert serialize_encrypted(value) == f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}"
    assert parse_encrypted(serialize_encrypted(value)) == value


def test_serialize_keeps_custom_associated_data() -> None:
    value = EncryptedString("Aes256Gcm", b"x", {"iv": IV, "at": TAG, "ad": "card:1"})
    serialized = serialize_encrypted(value)
    assert decode_document(b64decode(serialized.split(".")[2])[1:]) == {"iv": IV, "at": TAG, "ad": "card:1"}
    assert parse_encrypted(serialized) == value


def test_rsa_strings_have_the_constant_artefacts(rsa_pair: KeyPair) -> None:
    serialized = encrypt_with_public_key(rsa_pair.public_pem, b"dek")
    strategy, _, third = serialized.split(".")
    assert (strategy, third) == ("Rsa2048", "QQUAAAAA")
    value = parse_encrypted(serialized)
    assert (value.strategy, len(value.ciphertext), value.artefacts, value.derivation) == (
        "Rsa2048",
        256,
        {},
        None,
    )
    assert serialize_encrypted(value) == serialized


def test_passphrase_strings_round_trip() -> None:
    serialized = encrypt_with_passphrase("pass", b"data", iterations=1000)
    value = parse_encrypted(serialized)
    assert value.derivation is not None
    assert (value.derivation.iterations, value.derivation.length, value.derivation.hash) == (
        1000,
        32,
        "SHA256",
    )
    assert serialize_encrypted(value) == serialized


def test_derivation_hash_may_be_absent_and_then_means_sha256() -> None:
    derivation = artefacts([("i", 20000), ("iv", b"s" * 20), ("l", 32)], b"K")
    value = parse_encrypted(f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{derivation}")
    assert value.derivation == DerivationArtefacts("Pbkdf2Hmac", b"s" * 20, 20000, 32, "SHA256")


def test_parsed_values_are_hashable() -> None:
    serialized = f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}"
    assert len({parse_encrypted(serialized), parse_encrypted(serialized)}) == 1


def test_artefact_fields_may_come_in_any_order() -> None:
    reordered = artefacts([("ad", "none"), ("at", TAG), ("iv", IV)])
    assert parse_encrypted(f"Aes256Gcm.{CT}.{reordered}").artefacts == {"iv": IV, "at": TAG, "ad": "none"}


MALFORMED: dict[str, str] = {
    "empty": "",
    "one part": "Aes256Gcm",
    "two parts": f"Aes256Gcm.{CT}",
    "four parts": f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac",
    "six parts": f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{GOOD_DERIVATION}.x",
    "unknown strategy": f"Aes128Gcm.{CT}.{GOOD_ARTEFACTS}",
    "unknown strategy Ofb": f"Aes256Ofb.{CT}.{GOOD_ARTEFACTS}",
    "lowercase strategy": f"aes256gcm.{CT}.{GOOD_ARTEFACTS}",
    "strategy with space": f" Aes256Gcm.{CT}.{GOOD_ARTEFACTS}",
    "bad base64 ciphertext": f"Aes256Gcm.abc.{GOOD_ARTEFACTS}",
    "standard alphabet ciphertext": f"Aes256Gcm.ab+/.{GOOD_ARTEFACTS}",
    "non-ascii ciphertext": f"Aes256Gcm.é===.{GOOD_ARTEFACTS}",
    "bad base64 artefacts": f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS[:-1]}",
    "empty artefacts": f"Aes256Gcm.{CT}.",
    "artefacts version B": f"Aes256Gcm.{CT}.{artefacts([('iv', IV), ('at', TAG), ('ad', 'none')], b'B')}",
    "artefacts without version": f"Aes256Gcm.{CT}.{b64encode(encode_document([('iv', IV)]))}",
    "artefacts truncated BSON": f"Aes256Gcm.{CT}.{b64encode(b64decode(GOOD_ARTEFACTS)[:-3])}",
    "artefacts not BSON": f"Aes256Gcm.{CT}.{b64encode(b'Ahello world')}",
    "artefacts extra field": (
        f"Aes256Gcm.{CT}.{artefacts([('iv', IV), ('at', TAG), ('ad', 'none'), ('x', 1)])}"
    ),
    "artefacts missing ad": f"Aes256Gcm.{CT}.{artefacts([('iv', IV), ('at', TAG)])}",
    "artefacts missing iv": f"Aes256Gcm.{CT}.{artefacts([('at', TAG), ('ad', 'none')])}",
    "artefacts missing tag": f"Aes256Gcm.{CT}.{artefacts([('iv', IV), ('ad', 'none')])}",
    "IV 11 bytes": f"Aes256Gcm.{CT}.{artefacts([('iv', IV[:11]), ('at', TAG), ('ad', 'none')])}",
    "IV 13 bytes": f"Aes256Gcm.{CT}.{artefacts([('iv', IV + b'x'), ('at', TAG), ('ad', 'none')])}",
    "IV 16 bytes": f"Aes256Gcm.{CT}.{artefacts([('iv', TAG), ('at', TAG), ('ad', 'none')])}",
    "tag 15 bytes": f"Aes256Gcm.{CT}.{artefacts([('iv', IV), ('at', TAG[:15]), ('ad', 'none')])}",
    "tag 17 bytes": f"Aes256Gcm.{CT}.{artefacts([('iv', IV), ('at', TAG + b'x'), ('ad', 'none')])}",
    "tag 12 bytes": f"Aes256Gcm.{CT}.{artefacts([('iv', IV), ('at', IV), ('ad', 'none')])}",
    "IV as string": f"Aes256Gcm.{CT}.{artefacts([('iv', 'x' * 12), ('at', TAG), ('ad', 'none')])}",
    "tag as int": f"Aes256Gcm.{CT}.{artefacts([('iv', IV), ('at', 7), ('ad', 'none')])}",
    "ad as binary": f"Aes256Gcm.{CT}.{artefacts([('iv', IV), ('at', TAG), ('ad', b'none')])}",
    "RSA unknown size 512": f"Rsa512.{b64encode(bytes(64))}.QQUAAAAA",
    "RSA size too large": f"Rsa99999.{RSA_CT_2048}.QQUAAAAA",
    "RSA leading zero": f"Rsa02048.{RSA_CT_2048}.QQUAAAAA",
    "RSA without size": f"Rsa.{RSA_CT_2048}.QQUAAAAA",
    "RSA ciphertext too short": f"Rsa2048.{b64encode(bytes(255))}.QQUAAAAA",
    "RSA ciphertext too long": f"Rsa2048.{b64encode(bytes(257))}.QQUAAAAA",
    "RSA ciphertext for another size": f"Rsa4096.{RSA_CT_2048}.QQUAAAAA",
    "RSA non-empty artefacts": f"Rsa2048.{RSA_CT_2048}.{GOOD_ARTEFACTS}",
    "RSA artefacts not base64": f"Rsa2048.{RSA_CT_2048}.QQUAAAA",
    "RSA artefacts version K": f"Rsa2048.{RSA_CT_2048}.{artefacts([], b'K')}",
    "RSA with derivation": f"Rsa2048.{RSA_CT_2048}.QQUAAAAA.Pbkdf2Hmac.{GOOD_DERIVATION}",
    "derivation unknown strategy": f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Scrypt.{GOOD_DERIVATION}",
    "derivation bad base64": f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.SzAA",
    "derivation version A": f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{GOOD_ARTEFACTS}",
    "derivation missing i": (
        f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{artefacts([('iv', b's'), ('l', 32)], b'K')}"
    ),
    "derivation zero iterations": (
        f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{artefacts([('iv', b's'), ('i', 0), ('l', 32)], b'K')}"
    ),
    "derivation absurd iterations": (
        f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac."
        f"{artefacts([('iv', b's'), ('i', 2**31 - 1), ('l', 32)], b'K')}"
    ),
    "derivation length 16": (
        f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{artefacts([('iv', b's'), ('i', 1), ('l', 16)], b'K')}"
    ),
    "derivation hash SHA1": (
        f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac."
        f"{artefacts([('iv', b's'), ('i', 1), ('l', 32), ('hash', 'SHA1')], b'K')}"
    ),
    "derivation empty salt": (
        f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{artefacts([('iv', b''), ('i', 1), ('l', 32)], b'K')}"
    ),
    "derivation salt as int": (
        f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{artefacts([('iv', 5), ('i', 1), ('l', 32)], b'K')}"
    ),
    "derivation iterations as string": (
        f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{artefacts([('iv', b's'), ('i', '1'), ('l', 32)], b'K')}"
    ),
    "derivation extra field": (
        f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac."
        f"{artefacts([('iv', b's'), ('i', 1), ('l', 32), ('x', 1)], b'K')}"
    ),
}


@pytest.mark.parametrize("serialized", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_strings_raise_serialization_error(serialized: str) -> None:
    with pytest.raises(SerializationError):
        parse_encrypted(serialized)
    assert not is_encrypted(serialized)


@pytest.mark.parametrize("value", [None, b"Aes256Gcm.x.y", 42, ["Aes256Gcm"]])
def test_non_strings_raise_serialization_error(value: object) -> None:
    with pytest.raises(SerializationError):
        parse_encrypted(value)  # type: ignore[arg-type]
    assert not is_encrypted(value)


def test_serialize_refuses_values_that_would_not_parse() -> None:
    good: dict[str, bytes | str | int] = {"iv": IV, "at": TAG, "ad": "none"}
    derivation = DerivationArtefacts("Pbkdf2Hmac", b"s", 0, 32, "SHA256")
    for value in [
        EncryptedString("Aes128Gcm", b"x", good),
        EncryptedString("Aes256Gcm", b"x", {"iv": IV, "at": TAG}),
        EncryptedString("Aes256Gcm", b"x", {"iv": IV[:4], "at": TAG, "ad": "none"}),
        EncryptedString("Rsa2048", b"x", {}),
        EncryptedString("Rsa2048", bytes(256), good),
        EncryptedString("Aes256Gcm", b"x", good, derivation),
        EncryptedString("Rsa2048", bytes(256), {}, DerivationArtefacts("Pbkdf2Hmac", b"s", 1, 32, "SHA256")),
    ]:
        with pytest.raises(SerializationError):
            serialize_encrypted(value)


def test_is_encrypted_filters_by_strategy_prefix(rsa_pair: KeyPair) -> None:
    aes = encrypt_with_key(KEY, b"x")
    rsa = encrypt_with_public_key(rsa_pair.public_pem, b"x")
    assert is_encrypted(aes)
    assert is_encrypted(aes, "Aes256Gcm")
    assert not is_encrypted(aes, "Rsa")
    assert is_encrypted(rsa)
    assert is_encrypted(rsa, "Rsa")
    assert not is_encrypted(rsa, "Aes256Gcm")
    assert is_encrypted(rsa, "Rsa2048")
    assert not is_encrypted(rsa, "Rsa4096")
    assert not is_encrypted("hello")


# --------------------------------------------------------------------------------------- legacy YAML


@pytest.mark.parametrize("style", ["cryppo-js", "quoted-keys", "inline-crlf"])
def test_legacy_yaml_artefacts_decrypt(style: str) -> None:
    serialized = legacy_aes_string(KEY, b"legacy value", IV, style=style)
    assert b64decode(serialized.split(".")[2]).startswith(b"---")
    assert decrypt_with_key(KEY, serialized) == b"legacy value"
    value = parse_encrypted(serialized)
    assert value.artefacts["iv"] == IV
    # Re-serializing always writes the current BSON form, which still decrypts.
    rewritten = serialize_encrypted(value)
    assert b64decode(rewritten.split(".")[2]).startswith(b"A")
    assert decrypt_with_key(KEY, rewritten) == b"legacy value"


def test_legacy_yaml_exact_layout_from_the_spec() -> None:
    # shared/spec/crypto.md: ---\niv: !binary |-\n  <base64>\nat: !binary |-\n  <base64>\nad: none\n
    serialized = legacy_aes_string(KEY, b"spec", IV)
    yaml = b64decode(serialized.split(".")[2]).decode("ascii")
    assert yaml.startswith("---\niv: !binary |-\n  ")
    assert yaml.endswith("\nad: none\n")
    assert decrypt_with_key(KEY, serialized) == b"spec"


@pytest.mark.parametrize("salt_as_string", [False, True])
def test_legacy_yaml_derivation_artefacts_decrypt(salt_as_string: bool) -> None:
    # Raw bytes including '"', '\\', NUL, quote and high bytes (a raw line break could not survive YAML).
    salt = bytes([0xB4, 0x86, 0x22, 0x5C, 0xFB, 0x00, 0x7F, 0x80, 0xFF, 0x27, 0x3A, 0x20]) + b"saltsalt"
    serialized = legacy_passphrase_string(
        "pässword", b"exported", salt, 1000, IV, salt_as_string=salt_as_string
    )
    assert decrypt_with_passphrase("pässword", serialized) == b"exported"
    value = parse_encrypted(serialized)
    assert value.derivation == DerivationArtefacts("Pbkdf2Hmac", salt, 1000, 32, "SHA256")


@pytest.mark.parametrize("yaml", ["---\n{}\n", "--- {}\n", "---\n'ad': ''\n'at': ''\n'iv': ''\n"])
def test_legacy_empty_rsa_artefacts_are_accepted(rsa_pair: KeyPair, yaml: str) -> None:
    ciphertext = encrypt_with_public_key(rsa_pair.public_pem, b"dek").split(".")[1]
    serialized = f"Rsa2048.{ciphertext}.{b64encode(yaml.encode())}"
    assert parse_encrypted(serialized).artefacts == {}
    assert decrypt_with_private_key(rsa_pair.private_pem, serialized) == b"dek"


def _yaml_string(yaml: str) -> str:
    return f"Aes256Gcm.{CT}.{b64encode(yaml.encode('latin-1'))}"


IV_B64 = "ZGVmZ2hpamtsbW5v"
TAG_B64 = "yMnKy8zNzs/Q0dLT1NXW1w=="
BAD_YAML = {
    "no header": f"iv: !binary |-\n  {IV_B64}\nat: !binary |-\n  {TAG_B64}\nad: none\n",
    "header only": "---\n",
    "nested mapping": f"---\niv:\n  x: 1\nat: !binary |-\n  {TAG_B64}\nad: none\n",
    "flow mapping": "---\n{iv: x, at: y, ad: none}\n",
    "sequence": "---\n- a\n- b\n",
    "alias": f"---\niv: &a !binary |-\n  {IV_B64}\nat: *a\nad: none\n",
    "tab indentation": f"---\niv: !binary |-\n\t{IV_B64}\nat: !binary |-\n  {TAG_B64}\nad: none\n",
    "duplicate key": f"---\niv: !binary |-\n  {IV_B64}\niv: !binary |-\n  {IV_B64}\nad: none\n",
    "bad base64": f"---\niv: !binary |-\n  {IV_B64}!\nat: !binary |-\n  {TAG_B64}\nad: none\n",
    "urlsafe base64 in binary": "---\niv: !binary |-\n  ZGVm-_hpamtsbW5v\nat: x\nad: none\n",
    "empty binary block": f"---\niv: !binary |-\nat: !binary |-\n  {TAG_B64}\nad: none\n",
    "ruby object tag": f"---\niv: !ruby/object:Foo {{}}\nat: !binary |-\n  {TAG_B64}\nad: none\n",
    "folded block": f"---\niv: !binary >\n  {IV_B64}\nat: !binary |-\n  {TAG_B64}\nad: none\n",
    "comment": f"---\n# hi\niv: !binary |-\n  {IV_B64}\nat: !binary |-\n  {TAG_B64}\nad: none\n",
    "empty value": f"---\niv: !binary |-\n  {IV_B64}\nat: !binary |-\n  {TAG_B64}\nad:\n",
    "unterminated quote": f"---\niv: !binary |-\n  {IV_B64}\nat: !binary |-\n  {TAG_B64}\nad: 'none\n",
    "bad escape": f'---\niv: "\\q"\nat: !binary |-\n  {TAG_B64}\nad: none\n',
    "code point beyond a byte": f'---\niv: "\\u0100{"x" * 11}"\nat: !binary |-\n  {TAG_B64}\nad: none\n',
    "surrogate escape": f'---\niv: !binary |-\n  {IV_B64}\nat: !binary |-\n  {TAG_B64}\nad: "\\ud800"\n',
    "wrong IV length": f"---\niv: !binary |-\n  {TAG_B64}\nat: !binary |-\n  {TAG_B64}\nad: none\n",
    "extra key": f"---\niv: !binary |-\n  {IV_B64}\nat: !binary |-\n  {TAG_B64}\nad: none\nx: 1\n",
    "indented first key": f"---\n  iv: !binary |-\n  {IV_B64}\nat: !binary |-\n  {TAG_B64}\nad: none\n",
}


def test_bad_yaml_fixture_is_otherwise_valid() -> None:
    # The malformed cases below differ from this valid document in one feature each.
    good = f"---\niv: !binary |-\n  {IV_B64}\nat: !binary |-\n  {TAG_B64}\nad: none\n"
    assert parse_encrypted(_yaml_string(good)).artefacts == {"iv": b64decode(IV_B64), "at": TAG, "ad": "none"}


@pytest.mark.parametrize("yaml", BAD_YAML.values(), ids=BAD_YAML.keys())
def test_malformed_legacy_yaml_raises_serialization_error(yaml: str) -> None:
    with pytest.raises(SerializationError):
        parse_encrypted(_yaml_string(yaml))


# ------------------------------------------------------------------------------------- property tests

PART = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=", max_size=24)
STRATEGY = st.sampled_from(["Aes256Gcm", "Rsa2048", "Rsa4096", "Pbkdf2Hmac", "Rsa", "x", ""])
DOTTED = st.lists(PART | STRATEGY, min_size=1, max_size=6).map(".".join)
ARTEFACT_BYTES = st.binary(max_size=80).map(lambda data: b64encode(b"A" + data))
YAMLISH = st.text(alphabet="-: !|'\"\nivatdbnryuxUef0123456789\\{}", max_size=60).map(
    lambda text: b64encode(("---\n" + text).encode("utf-8"))
)


def _check_parse(text: str) -> None:
    try:
        value = parse_encrypted(text)
    except SerializationError:
        assert not is_encrypted(text)
        return
    assert is_encrypted(text)
    assert parse_encrypted(serialize_encrypted(value)) == value


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_serialization_error(text: str) -> None:
    _check_parse(text)


@given(DOTTED)
def test_any_dotted_base64ish_text_parses_or_raises_serialization_error(text: str) -> None:
    _check_parse(text)


@given(st.sampled_from(["Aes256Gcm", "Rsa2048"]), PART, ARTEFACT_BYTES | YAMLISH)
def test_any_artefacts_parse_or_raise_serialization_error(strategy: str, ciphertext: str, art: str) -> None:
    _check_parse(f"{strategy}.{ciphertext}.{art}")


@given(st.binary(max_size=80) | YAMLISH.map(b64decode))
def test_any_derivation_artefacts_parse_or_raise_serialization_error(data: bytes) -> None:
    _check_parse(f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{b64encode(b'K' + data)}")
    _check_parse(f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{b64encode(data)}")


VALID_STRINGS = [
    f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}",
    f"Aes256Gcm.{CT}.{GOOD_ARTEFACTS}.Pbkdf2Hmac.{GOOD_DERIVATION}",
    legacy_aes_string(KEY, b"legacy", IV),
    f"Rsa2048.{RSA_CT_2048}.QQUAAAAA",
]


@given(
    st.sampled_from(VALID_STRINGS),
    st.integers(min_value=0, max_value=500),
    st.text(min_size=0, max_size=3),
    st.integers(min_value=0, max_value=3),
)
def test_edited_valid_strings_parse_or_raise_serialization_error(
    valid: str, position: int, insert: str, delete: int
) -> None:
    index = position % (len(valid) + 1)
    _check_parse(valid[:index] + insert + valid[index + delete :])


YAML_ESCAPE = r'\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0abtnvfre"\\/ q])'
YAML_VALUE = st.text(max_size=30) | st.from_regex(f'"({YAML_ESCAPE}|[a-z]){{0,4}}"', fullmatch=True)


@given(YAML_VALUE, YAML_VALUE)
def test_any_yaml_scalar_values_parse_or_raise_serialization_error(iv: str, ad: str) -> None:
    yaml = f"---\niv: {iv}\nat: !binary |-\n  {TAG_B64}\nad: {ad}\n"
    _check_parse(f"Aes256Gcm.{CT}.{b64encode(yaml.encode('utf-8'))}")
