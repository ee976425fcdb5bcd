"""SRP-6a exactly as the npm package ``jsrp`` 0.2.4 computes it, with the parameters Meeco's client uses.

Meeco's SDK calls jsrp with ``length: 2048``: the RFC 5054 2048-bit group, g = 2, SHA-256 (jsrp's own
default would be the 4096-bit group with g = 5, so the group is part of the wire contract).

What jsrp does, and this module reproduces byte for byte (checked against jsrp's source and vectors):

- ``pad(n)`` is big-endian, left-padded with zeros to 256 bytes (the size of N).
- ``k = H(pad(N) ‖ pad(g))``; ``x = H(salt ‖ H(username ‖ ":" ‖ password))`` where salt is the raw salt
  bytes (jsrp decodes the hex first) and username is UTF-8; ``v = pad(g^x mod N)``.
- ``A = pad(g^a mod N)``, ``B = pad((k·v + g^b) mod N)``, a and b are 32 random bytes.
- ``u = H(A ‖ B)`` over the bytes *as received* from the peer (jsrp does not re-pad a short A or B).
- client ``S = (B − k·g^x)^(a + u·x) mod N``, server ``S = (A·v^u)^b mod N``, ``K = H(pad(S))``.
- ``M1 = H(A ‖ B ‖ K)`` (not the RFC 2945 proof), ``M2 = H(A ‖ M1 ‖ K)``.
- Everything travels as hex; this module writes lowercase hex and reads either case.

The arithmetic is pure and CPU-bound (a few 2048-bit modular exponentiations): callers in an event loop
run it in a worker thread. Nothing here stores state between calls; the server keeps its secret ``b``
(returned by :func:`server_challenge`) wherever it wants, e.g. in its database.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from strongroom.crypto.errors import CryptoError

__all__ = [
    "G",
    "N",
    "SrpClient",
    "SrpError",
    "check_verifier",
    "create_verifier",
    "fake_salt",
    "fake_verifier",
    "server_challenge",
    "server_verify",
]


class SrpError(CryptoError):
    """An SRP value is malformed or out of range, or a proof does not match (the login fails)."""


# RFC 5054, appendix A, the 2048-bit group (the value jsrp's parameters.coffee holds for length 2048).
N = int(
    "AC6BDB41324A9A9BF166DE5E1389582FAF72B6651987EE07FC3192943DB56050A37329CBB4A099ED8193E0757767A13D"
    "D52312AB4B03310DCD7F48A9DA04FD50E8083969EDB767B0CF6095179A163AB3661A05FBD5FAAAE82918A9962F0B93B8"
    "55F97993EC975EEAA80D740ADBF4FF747359D041D5C33EA71D281E446B14773BCA97B43A23FB801676BD207A436C6481"
    "F1D2B9078717461A5B9D32E688F87748544523B524B0D57D5EA77A2775D2ECFA032CFBDBF52FB3786160279004E57AE6"
    "AF874E7303CE53299CCC041C7BC308D82A5698F3A8D0C38271AE35F8E9DBFBB694B5C803D89F7AE435DE236D525F5475"
    "9B65E372FCD68EF20FA7111F9E4AFF73",
    16,
)
G = 2

_N_BYTES = 256  # jsrp pads to params.length / 8
_SECRET_BYTES = 32  # jsrp's a, b and salt are randomBytes(32)
_HASH_BYTES = 32
# Bounds on what the server accepts from the network. jsrp always sends exactly 256-byte A and
# 32-byte salts; the bounds only stop absurd inputs from costing big-number work.
_MIN_SALT_BYTES = 16
_MAX_SALT_BYTES = 64

_HEX = re.compile(r"[0-9a-fA-F]+")


def _hash(*parts: bytes) -> bytes:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.digest()


def _pad(value: int) -> bytes:
    return value.to_bytes(_N_BYTES, "big")


def _to_int(data: bytes) -> int:
    return int.from_bytes(data, "big")


_K = _to_int(_hash(_pad(N), _pad(G)))


def _from_hex(value: object, name: str, *, max_bytes: int) -> bytes:
    """Decode a non-empty hex string of at most ``max_bytes`` bytes; the error names only the field."""
    if not isinstance(value, str) or not value:
        raise SrpError(f"{name} must be a non-empty hex string")
    if len(value) % 2 or not _HEX.fullmatch(value):
        raise SrpError(f"{name} is not valid hex")
    if len(value) // 2 > max_bytes:
        raise SrpError(f"{name} is too long")
    return bytes.fromhex(value)


def _x(salt: bytes, username: str, password: bytes) -> int:
    inner = _hash(username.encode("utf-8"), b":", password)
    return _to_int(_hash(salt, inner))


def _public_b(v: int, b: int) -> bytes:
    return _pad((_K * v + pow(G, b, N)) % N)


# A verifier is g^x mod N for a 256-bit hash x: spread evenly over the group, so one below N / 2^64 has a
# chance of 2^-64 of being honest; such values (v = 2 is g^1) are hand-made, and their "password" known.
_MIN_VERIFIER = N >> 64


def _parse_verifier(verifier_hex: str) -> int:
    v = _to_int(_from_hex(verifier_hex, "verifier", max_bytes=_N_BYTES))
    if not 0 < v < N:
        raise SrpError("verifier is out of range")
    return v


def _check_registration_verifier(v: int) -> None:
    """Refuse a verifier no client makes: 1 (x = 0), N − 1 (the element of order 2), and hand-made small
    values (see ``_MIN_VERIFIER``). With g = 2 a generator of the whole group mod the safe prime N (2 is a
    non-residue since N ≡ 3 mod 8), the proper range is the rest."""
    if v in (1, N - 1) or v < _MIN_VERIFIER:
        raise SrpError("verifier is out of the group's proper range")


def create_verifier(username: str, password: bytes, salt: bytes | None = None) -> tuple[str, str]:
    """Make the registration values for ``username``/``password`` as jsrp's ``createVerifier`` does.

    ``password`` is the exact byte string jsrp hashes (for Meeco's client: the UTF-8 re-encoding of the
    derived SRP password, see ``kdf.derive_srp_password``). ``salt`` defaults to 32 random bytes.
    Returns ``(salt_hex, verifier_hex)``: lowercase hex, the verifier padded to 256 bytes (512 hex digits).
    """
    if salt is None:
        salt = secrets.token_bytes(_SECRET_BYTES)
    v = pow(G, _x(salt, username, password), N)
    return salt.hex(), _pad(v).hex()


def check_verifier(salt_hex: str, verifier_hex: str) -> None:
    """Validate registration values received from a client (what a server stores for later logins).

    Accepts a salt of 16 to 64 bytes (jsrp makes 32), not all one byte value, and a verifier of at most 256
    bytes in the group's proper range: ``N / 2^64 <= v < N - 1``, ``v != 1``.
    Raises :class:`SrpError` naming the bad field; never echoes the value.
    """
    salt = _from_hex(salt_hex, "salt", max_bytes=_MAX_SALT_BYTES)
    if len(salt) < _MIN_SALT_BYTES:
        raise SrpError("salt is too short")
    if len(set(salt)) == 1:  # all one byte value (00…): no random salt looks like that
        raise SrpError("salt is not random")
    _check_registration_verifier(_parse_verifier(verifier_hex))


class SrpClient:
    """The client side of one SRP login (jsrp's ``client``): ``A`` → ``M1`` → check ``M2``.

    ``password`` is the byte string jsrp hashes; ``a`` (the secret exponent) defaults to 32 random bytes
    and is only given explicitly to replay known-answer vectors.
    """

    def __init__(self, username: str, password: bytes, a: bytes | None = None) -> None:
        secret = secrets.token_bytes(_SECRET_BYTES) if a is None else a
        self._a = _to_int(secret)
        if self._a % N == 0:
            raise SrpError("a must not be zero")
        self._username = username
        self._password = password
        self._public_a = _pad(pow(G, self._a, N))
        self._m1: bytes | None = None
        self._key: bytes | None = None

    def public_a_hex(self) -> str:
        """``A`` as lowercase hex, padded to 256 bytes (what goes in ``srp_a``)."""
        return self._public_a.hex()

    def process_challenge(self, salt_hex: str, b_hex: str) -> str:
        """Compute the session key from the server's salt and ``B``; return the proof ``M1`` as hex.

        Raises :class:`SrpError` if either value is not hex or ``B ≡ 0 (mod N)`` (jsrp aborts then too).
        """
        salt = _from_hex(salt_hex, "salt", max_bytes=_MAX_SALT_BYTES)
        public_b = _from_hex(b_hex, "B", max_bytes=_N_BYTES)
        b_int = _to_int(public_b)
        if b_int % N == 0:
            raise SrpError("invalid server value B")
        u = _to_int(_hash(self._public_a, public_b))
        if u == 0:  # RFC 5054 §2.6; jsrp does not check, an honest server never produces it
            raise SrpError("invalid server value B")
        x = _x(salt, self._username, self._password)
        # Python's pow reduces a negative base correctly, as jsbn's modPow does.
        s = pow(b_int - _K * pow(G, x, N), self._a + u * x, N)
        self._key = _hash(_pad(s))
        self._m1 = _hash(self._public_a, public_b, self._key)
        return self._m1.hex()

    def verify_server_proof(self, m2_hex: str) -> None:
        """Check the server's ``M2``; raises :class:`SrpError` if it does not prove knowledge of ``K``."""
        if self._m1 is None or self._key is None:
            raise SrpError("process_challenge must be called before verify_server_proof")
        received = _from_hex(m2_hex, "M2", max_bytes=_HASH_BYTES)
        expected = _hash(self._public_a, self._m1, self._key)
        if not hmac.compare_digest(expected, received):
            raise SrpError("server proof does not match")

    def shared_key_hex(self) -> str:
        """The session key ``K`` as hex (jsrp's ``getSharedKey``), available after process_challenge."""
        if self._key is None:
            raise SrpError("process_challenge must be called before shared_key_hex")
        return self._key.hex()


def server_challenge(verifier_hex: str, b: bytes | None = None) -> tuple[str, str]:
    """Start a login for a stored verifier: returns ``(b_hex, B_hex)``.

    ``b_hex`` is the server's secret for this login; keep it server-side (once, for a short time) and pass
    it back to :func:`server_verify`. ``B_hex`` (256 bytes, lowercase) goes to the client as
    ``challenge_b``. ``b`` defaults to 32 random bytes and is only given to replay vectors.
    Raises :class:`SrpError` for a malformed or out-of-range verifier.
    """
    v = _parse_verifier(verifier_hex)
    secret = secrets.token_bytes(_SECRET_BYTES) if b is None else b
    b_int = _to_int(secret)
    if b_int % N == 0:
        raise SrpError("b must not be zero")
    return secret.hex(), _public_b(v, b_int).hex()


def server_verify(*, salt_hex: str, verifier_hex: str, b_hex: str, a_hex: str, m1_hex: str) -> str:
    """Finish a login: check the client's proof ``M1`` and return the server's proof ``M2`` as hex.

    Authenticates that the client knows the password behind ``verifier_hex`` for this exchange (``A``
    from the client, the ``B`` that ``b_hex`` produced). ``salt_hex`` is only validated (it does not enter
    the server's arithmetic). Raises :class:`SrpError` for bad hex, ``A ≡ 0 (mod N)``, or a proof that
    does not match (compared in constant time). The caller must not accept ``b_hex`` twice.
    """
    _from_hex(salt_hex, "salt", max_bytes=_MAX_SALT_BYTES)
    v = _parse_verifier(verifier_hex)
    b_int = _to_int(_from_hex(b_hex, "b", max_bytes=_N_BYTES))
    if b_int % N == 0:
        raise SrpError("b must not be zero")
    # A is used as received (not re-padded), exactly as jsrp's server hashes it.
    public_a = _from_hex(a_hex, "A", max_bytes=_N_BYTES)
    a_int = _to_int(public_a)
    if a_int % N == 0:
        raise SrpError("invalid client value A")
    m1 = _from_hex(m1_hex, "M1", max_bytes=_HASH_BYTES)
    public_b = _public_b(v, b_int)
    u = _to_int(_hash(public_a, public_b))
    if u == 0:
        raise SrpError("invalid client value A")
    s = pow(a_int * pow(v, u, N), b_int, N)
    key = _hash(_pad(s))
    expected = _hash(public_a, public_b, key)
    if not hmac.compare_digest(expected, m1):
        raise SrpError("client proof does not match")
    return _hash(public_a, expected, key).hex()


def _fake_material(label: bytes, username: str, server_secret: bytes) -> bytes:
    return hmac.new(server_secret, label + b"\x00" + username.encode("utf-8"), hashlib.sha256).digest()


def fake_salt(username: str, server_secret: bytes) -> str:
    """A salt for a username that has no account: 32 bytes of HMAC-SHA256(server_secret, username), hex.

    Stable for a given username and secret, so repeated challenges for an unknown user look like those of
    a real one (no user enumeration). ``server_secret`` must be a private server-side key.
    """
    return _fake_material(b"strongroom-srp-fake-salt", username, server_secret).hex()


def fake_verifier(username: str, server_secret: bytes) -> str:
    """A verifier for a username that has no account, shaped like a real one (``g^x mod N``, 256 bytes).

    Deterministic in (username, server_secret); nobody knows a password for it, so a login against it
    always fails at :func:`server_verify`.
    """
    x = _to_int(_fake_material(b"strongroom-srp-fake-verifier", username, server_secret))
    return _pad(pow(G, x, N)).hex()
