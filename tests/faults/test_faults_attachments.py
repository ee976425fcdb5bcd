"""SIGKILL during an upload, against a real ``strongroom serve`` on disk and on S3 (moto's server): after
the restart the half-sent file is no attachment and cannot be read or attached, a finished attachment is
intact, and once the collector has run nothing of the half upload is left (no staging file, no unfinished
multipart upload, no row, no object)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from strongroom.client import Strongroom, TransportError
from tests.client.keypool import KeyPool, use_key_pool
from tests.faults.process import ServiceProcess, free_port, strongroom_env
from tests.s3server import S3Endpoint, s3_fields

LIFETIME = 6  # seconds an unfinished upload may stay: longer than the upload runs before the kill
CHUNK = 1 << 20


@pytest.fixture
def key_pool(monkeypatch: pytest.MonkeyPatch) -> KeyPool:
    return use_key_pool(monkeypatch)


@pytest.mark.parametrize("blob_backend", ["disk", "s3"])
async def test_sigkill_mid_upload_leaves_no_half_attachment(
    blob_backend: str, tmp_path: Path, request: pytest.FixtureRequest, key_pool: KeyPool
) -> None:
    settings: dict[str, str | int | float | bool] = {
        "attachment_unlinked_lifetime": LIFETIME,
        "share_sweep_interval": 0.5,
        "run_mail_worker": False,
        "log_json": True,
    }
    bucket = ""
    endpoint: S3Endpoint | None = None
    if blob_backend == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = endpoint.new_bucket()
        settings |= s3_fields(endpoint, bucket)
    data_dir = tmp_path / "data"

    def half_written() -> bool:
        if endpoint is None:
            staging = data_dir / "blobs" / ".staging"
            return any(p.stat().st_size > 0 for p in staging.iterdir()) if staging.exists() else False
        return endpoint.unfinished_uploads(bucket) != []

    server = ServiceProcess.serve(free_port(), data_dir, strongroom_env(settings), tmp_path / "serve.log")
    server.start()
    try:
        async with Strongroom(server.url) as alice:
            await alice.sign_up("alice's crash passphrase")
            card = await alice.create_card("note", "Files", {})
            kept = tmp_path / "kept.bin"
            kept.write_bytes(os.urandom(CHUNK + 5))
            slot = (await alice.attach_file(card.id, kept)).slot("kept_bin")

            size = 64 * CHUNK
            half = await alice.vault.create_upload_url(size)
            sent = asyncio.Event()

            async def slowly() -> AsyncIterator[bytes]:
                for index in range(size // CHUNK):
                    if index == 12:  # an S3 part is up, the disk store has a staging file
                        sent.set()
                        await asyncio.sleep(30)
                    yield os.urandom(CHUNK)

            upload = asyncio.create_task(alice.vault.upload_blob(half.blob_id, slowly(), size))
            await asyncio.wait_for(sent.wait(), 60)
            deadline = time.monotonic() + 30
            while not half_written():  # the bytes have reached the store, not just a socket buffer
                assert time.monotonic() < deadline, "the upload never reached the store"
                await asyncio.sleep(0.1)
            server.kill()
            done, _ = await asyncio.wait([upload], timeout=5)
            if done:
                with pytest.raises(TransportError):
                    upload.result()
            else:  # the client notices the dead connection only on its next write: no need to wait
                upload.cancel()

        assert half_written()  # the crash left a half file or an unfinished multipart upload

        server.start()
        async with Strongroom(server.url) as again:
            await again.resume(alice.credentials, "alice's crash passphrase")
            auth = {"Authorization": again.credentials.vault_token}
            async with httpx.AsyncClient(base_url=f"{server.url}/vault", headers=auth) as http:
                # Not visible, not readable, not attachable: the blob never received its bytes.
                assert (await http.get(f"/direct/blobs/{half.blob_id}")).status_code == 404
                body = {"blob": {"blob_id": half.blob_id, "encrypted_artifact_blob_id": half.blob_id}}
                assert (await http.post("/direct/attachments", json=body)).status_code == 422
                # The finished attachment is intact.
                fresh = (await again.card(card.id)).slot(slot.id)
                await again.download_attachment(fresh, tmp_path / "back.bin")
                assert (
                    hashlib.sha256((tmp_path / "back.bin").read_bytes()).digest()
                    == hashlib.sha256(kept.read_bytes()).digest()
                )

                deadline = time.monotonic() + LIFETIME + 30
                while True:
                    retry = await http.put(f"/direct/blobs/{half.blob_id}", content=b"x")
                    if blob_backend == "disk":
                        leftovers = list((data_dir / "blobs" / ".staging").iterdir())
                    else:
                        assert endpoint is not None
                        leftovers = [Path(k) for k in endpoint.unfinished_uploads(bucket)]
                    if retry.status_code == 404 and not leftovers:
                        break
                    assert time.monotonic() < deadline, f"not collected: {retry.status_code} {leftovers}"
                    await asyncio.sleep(0.5)

        if blob_backend == "disk":
            stored = sorted(p.name for p in (data_dir / "blobs").glob("*/*"))
        else:
            assert endpoint is not None
            stored = sorted(k.rsplit("/", 1)[-1] for k in endpoint.objects(bucket))
        assert len(stored) == 2  # the finished attachment's ciphertext and record, nothing else
        assert half.blob_id not in stored
    finally:
        server.stop()
