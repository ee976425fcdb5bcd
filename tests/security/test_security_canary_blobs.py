"""The plaintext canary audit of attachments (security.md): a canary file is attached, shared and read
back; afterwards no 32-byte run of it, and no form of its file key, appears in any file the server wrote
(blob files, staging, SQLite files with their WAL and journals, mail) or in any object of the S3 bucket, nor
in any cell of the Vault's database. Both blob stores; S3 against moto's server on loopback."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from strongroom import crypto
from strongroom.client import Strongroom
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.server import create_app
from tests.client.keypool import KeyPool, use_key_pool
from tests.client.test_client_connections import connect
from tests.s3server import S3Endpoint, s3_settings
from tests.security.dump import DatabaseReader
from tests.security.leaks import NeedleSet

BASE_URL = "http://testserver"
RUN = 16  # any plaintext run of 2*RUN bytes contains one whole aligned RUN-byte chunk of the file


@pytest.fixture
def backend() -> str:
    """SQLite only: the blobs do not depend on the database (whose every cell the main canary audit reads
    on both), and SQLite's own files are among what this audit searches."""
    return "sqlite"


@pytest.fixture(params=["disk", "s3"])
def blob_backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def bucket(blob_backend: str, request: pytest.FixtureRequest) -> tuple[S3Endpoint, str] | None:
    if blob_backend == "disk":
        return None
    endpoint: S3Endpoint = request.getfixturevalue("s3_endpoint")
    return endpoint, endpoint.new_bucket()


@pytest.fixture
def settings(settings: Settings, bucket: tuple[S3Endpoint, str] | None) -> Settings:
    return settings if bucket is None else settings.model_copy(update=s3_settings(*bucket))


@pytest.fixture
async def transport(settings: Settings, clock: FrozenClock) -> AsyncIterator[httpx.AsyncBaseTransport]:
    async with LifespanManager(create_app(settings, clock=clock), startup_timeout=60) as manager:
        yield httpx.ASGITransport(app=manager.app)


@pytest.fixture
def key_pool(monkeypatch: pytest.MonkeyPatch) -> KeyPool:
    return use_key_pool(monkeypatch)


def runs_found(haystack: bytes, chunks: set[bytes]) -> int:
    """How many offsets of ``haystack`` start a RUN-byte chunk of the canary file."""
    return sum(1 for i in range(len(haystack) - RUN + 1) if haystack[i : i + RUN] in chunks)


async def test_no_run_of_a_canary_file_and_no_file_key_reaches_storage(
    transport: httpx.AsyncBaseTransport,
    settings: Settings,
    clock: FrozenClock,
    bucket: tuple[S3Endpoint, str] | None,
    tmp_path_factory: pytest.TempPathFactory,
    key_pool: KeyPool,
) -> None:
    home = tmp_path_factory.mktemp("client-side")
    canary = os.urandom(crypto.BLOCK_SIZE + 333)
    source = home / "canary.bin"
    source.write_bytes(canary)
    needles = NeedleSet()
    async with (
        Strongroom(BASE_URL, transport=transport, clock=clock.now) as alice,
        Strongroom(BASE_URL, transport=transport, clock=clock.now) as bob,
    ):
        await alice.sign_up("alice's canary passphrase")
        await bob.sign_up("bob's canary passphrase")
        mine, _ = await connect(alice, bob)
        card = await alice.create_card("note", "Files", {})
        slot = (await alice.attach_file(card.id, source, label="Evidence")).slot("evidence")
        needles.key("the file key", crypto.b64decode(slot.value or ""))
        share = await alice.share(card.id, mine.id)
        shared = (await bob.read_share(share.id)).slots
        await bob.download_attachment(next(s for s in shared if s.name == "evidence"), home / "got.bin")
        assert (home / "got.bin").read_bytes() == canary

    chunks = {canary[i : i + RUN] for i in range(0, len(canary) - RUN + 1, RUN)}
    assert runs_found(canary[5:], chunks) > 0  # the search finds plaintext wherever it is
    written: dict[str, bytes] = {}
    server_side = Path(settings.data_dir).parent
    for path in sorted(server_side.rglob("*")):
        if path.is_file() and home not in path.parents:
            written[str(path.relative_to(server_side))] = path.read_bytes()
    if bucket is not None:
        endpoint, name = bucket
        keys = endpoint.objects(name)
        assert len(keys) == 2  # the ciphertext and the artefact record
        for key in keys:
            written[f"s3://{name}/{key}"] = endpoint.read(name, key)
        assert endpoint.unfinished_uploads(name) == []
    else:
        assert len(list(settings.resolved_blob_dir.glob("*/*"))) == 2
    reader = DatabaseReader(settings.vault_database_url)
    try:
        written["vault database"] = b"\x00".join(v for _, _, v in (await reader.dump()).cells())
    finally:
        await reader.aclose()
    # The audit saw the ciphertext: a blob as long as the file is among what was read.
    assert any(len(data) == len(canary) for data in written.values())

    problems = [f"{where}: {runs_found(data, chunks)} plaintext runs" for where, data in written.items()]
    problems = [p for p in problems if not p.endswith(": 0 plaintext runs")]
    problems += [f"{where}: {hit}" for where, data in written.items() for hit in needles.found_in(data)]
    assert problems == []
