"""Attachments on an S3-compatible store: the Vault proxying the bytes (what ships) against a client sending
them straight to the store with pre-signed URLs (what the Vault could hand out instead), for the same file,
the same bucket and the same object key, over real HTTP on loopback: a real ``strongroom serve`` with the
S3 blob store and moto's standalone S3 server (as the tests run it, ``tests/s3server.py``).

Transfers of one file (random bytes), each timed on its own:

- ``sdk_up`` / ``sdk_down``: the SDK's ``attach_file`` / ``download_attachment`` through the Vault: AES-GCM
  of every 1 MiB block on the client, then the Vault's multipart upload (8 MiB parts) to the store.
- ``vault_up`` / ``vault_down``: the file's bytes as they are (no crypto: random bytes stand in for the
  ciphertext, which is as long, the tags going to the artefact record) through ``PUT``/``GET
  /vault/direct/blobs/{id}``, streamed by the SDK's httpx client. Set beside ``sdk_*`` this separates the
  client's crypto from the transport.
- ``presigned_up`` / ``presigned_down``: the same bytes ``PUT``/``GET`` straight to the store at a URL that
  boto3 pre-signs (the client the Vault's ``S3Store`` uses) for the key of a blob announced to the Vault,
  streamed by an httpx client built as the SDK's is. One ``PutObject``, as a client would send a file of
  up to 5 GiB.
- ``presigned_parts_up``: the same upload as a multipart upload with pre-signed ``UploadPart`` URLs, in the
  Vault's part size: the store then does exactly the work it does for ``vault_up``, so the two differ by
  the Vault's hop alone.

Every transfer records its wall time and the CPU seconds (every thread, from ``/proc``) of this process
(the client), of the Vault and of the S3 server. Rounds take turns: the uploads, then the downloads, in the
opposite order every other round, after one untimed round. Everything a round stored is deleted before the
next (the attachment through the SDK, the rest in the bucket), so the store does not grow.

moto is a Python stand-in for a store: its CPU seconds are moto's, not what MinIO or AWS would spend. The
Vault's CPU seconds per transfer are the figure that carries over: they are what proxying costs.

``make bench`` runs it (``test_s3_transfer``); ``python -m bench.bench_s3_transfer [MiB]`` prints the same
table.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.faults.process import ServiceProcess, free_port, strongroom_env
from tests.s3server import S3Endpoint, moto_server, s3_fields

from bench.bench_attachments import cpu_seconds, random_file
from bench.once import run_once
from strongroom.client import Strongroom
from strongroom.client._http import make_http_client
from strongroom.vault.blobs.s3 import PART_SIZE

MIB = 1 << 20
ROUNDS = 5
UPLOADS = ("presigned_up", "presigned_parts_up", "vault_up", "sdk_up")
DOWNLOADS = ("presigned_down", "vault_down", "sdk_down")
# Wall time ratios reported: (proxied, pre-signed).
RATIOS = (
    ("vault_up", "presigned_up"),
    ("vault_up", "presigned_parts_up"),
    ("sdk_up", "presigned_up"),
    ("vault_down", "presigned_down"),
    ("sdk_down", "presigned_down"),
)
PARTIES = ("client", "vault", "s3")


async def file_chunks(path: Path, start: int, count: int) -> AsyncIterator[bytes]:
    """``count`` bytes of the file from ``start``, 1 MiB at a time (read on the event loop: the file is in
    page cache, and every transfer reads it the same way)."""
    with path.open("rb") as source:
        source.seek(start)
        left = count
        while left:
            chunk = source.read(min(MIB, left))
            if not chunk:
                raise RuntimeError(f"{path} is shorter than expected")
            left -= len(chunk)
            yield chunk


async def drain(chunks: AsyncIterator[bytes]) -> int:
    """Read a download to its end, keeping nothing; the number of bytes."""
    received = 0
    async for chunk in chunks:
        received += len(chunk)
    return received


class Bench:
    """One Vault on one bucket, a signed-up client, and the pre-signing client of that bucket."""

    def __init__(
        self, client: Strongroom, endpoint: S3Endpoint, bucket: str, pids: dict[str, int], source: Path
    ) -> None:
        self.client, self.endpoint, self.bucket, self.pids = client, endpoint, bucket, pids
        self.source, self.size = source, source.stat().st_size
        self.out = source.with_name("big.out")
        self.s3 = endpoint.client()
        self.http = make_http_client(timeout=600)
        self.card_id = ""
        # Per upload phase, the object key it wrote; "vault_blob": the blob id vault_up sent its bytes to.
        self.keys: dict[str, str] = {}

    def cpu(self) -> dict[str, float]:
        return {"client": cpu_seconds(), **{party: cpu_seconds(pid) for party, pid in self.pids.items()}}

    async def timed(self, work: Callable[[], Awaitable[object]]) -> dict[str, float]:
        """Wall seconds and each party's CPU seconds of one transfer."""
        cpu, started = self.cpu(), time.perf_counter()
        await work()
        wall, after = time.perf_counter() - started, self.cpu()
        return {"wall": wall, **{party: after[party] - cpu[party] for party in PARTIES}}

    async def announce(self, size: int) -> tuple[str, str]:
        """A blob announced to the Vault: its id and its object key in the bucket."""
        upload = await self.client.vault.create_upload_url(size)
        assert upload.blob_key is not None
        return upload.blob_id, upload.blob_key

    def presign(self, method: str, key: str, **params: Any) -> str:
        url: str = self.s3.generate_presigned_url(
            method, Params={"Bucket": self.bucket, "Key": key, **params}, ExpiresIn=3600
        )
        return url

    async def put(self, url: str, source: Path, start: int, count: int) -> str:
        answer = await self.http.put(
            url, content=file_chunks(source, start, count), headers={"Content-Length": str(count)}
        )
        if answer.status_code != 200:
            raise RuntimeError(f"pre-signed PUT answered {answer.status_code}: {answer.text[:200]}")
        return answer.headers["ETag"]

    async def get(self, url: str) -> int:
        async with self.http.stream("GET", url) as answer:
            if answer.status_code != 200:
                raise RuntimeError(f"pre-signed GET answered {answer.status_code}")
            return await drain(answer.aiter_bytes())

    async def run(self, phase: str, round_no: int) -> dict[str, float]:
        """Prepare one transfer untimed (announce, sign), then time it."""
        source, size = self.source, self.size
        if phase == "sdk_up":
            label = f"big {round_no}"
            return await self.timed(lambda: self.client.attach_file(self.card_id, source, label=label))
        if phase == "sdk_down":
            slot = (await self.client.card(self.card_id)).slot(f"big_{round_no}")
            return await self.checked(size, lambda: self.client.download_attachment(slot, self.out))
        if phase == "vault_up":
            blob_id, self.keys[phase] = await self.announce(size)
            self.keys["vault_blob"] = blob_id
            return await self.timed(
                lambda: self.client.vault.upload_blob(blob_id, file_chunks(source, 0, size), size)
            )
        if phase == "vault_down":
            blob_id = self.keys["vault_blob"]
            return await self.checked(size, lambda: drain(self.client.vault.download_blob(blob_id)))
        if phase == "presigned_up":
            key = self.keys[phase] = (await self.announce(size))[1]
            url = self.presign("put_object", key)
            return await self.timed(lambda: self.put(url, source, 0, size))
        if phase == "presigned_down":
            url = self.presign("get_object", self.keys["presigned_up"])
            return await self.checked(size, lambda: self.get(url))
        if phase == "presigned_parts_up":
            key = self.keys[phase] = (await self.announce(size))[1]
            return await self.timed(lambda: self.put_parts(key, source, size))
        raise ValueError(phase)

    async def checked(self, size: int, work: Callable[[], Awaitable[int]]) -> dict[str, float]:
        received: list[int] = []

        async def counted() -> None:
            received.append(await work())

        took = await self.timed(counted)
        if received != [size]:
            raise RuntimeError(f"downloaded {received} bytes of {size}")
        return took

    async def put_parts(self, key: str, source: Path, size: int) -> None:
        """Create, send and complete a multipart upload: creating and completing are the Vault's part of a
        pre-signed design (boto3 calls, in a thread as the Vault makes them), each part the client's."""
        created = await asyncio.to_thread(self.s3.create_multipart_upload, Bucket=self.bucket, Key=key)
        upload_id = created["UploadId"]
        parts = []
        for number, start in enumerate(range(0, size, PART_SIZE), start=1):
            url = self.presign("upload_part", key, UploadId=upload_id, PartNumber=number)
            etag = await self.put(url, source, start, min(PART_SIZE, size - start))
            parts.append({"PartNumber": number, "ETag": etag})
        await asyncio.to_thread(
            self.s3.complete_multipart_upload,
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
        )

    async def clean(self, round_no: int, kept: int, seconds: float = 30.0) -> None:
        """Delete what the round stored: the attachment through the SDK (the Vault's collector removes its
        objects), the raw and pre-signed objects in the bucket (moto keeps every object it holds), and the
        downloaded file."""
        self.out.unlink()
        await self.client.delete_attachment(self.card_id, f"big_{round_no}")
        keys = [self.keys[phase] for phase in ("vault_up", "presigned_up", "presigned_parts_up")]
        self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in keys]})
        deadline = time.monotonic() + seconds
        while len(self.endpoint.objects(self.bucket)) > kept:
            if time.monotonic() > deadline:
                raise RuntimeError("the Vault did not remove the deleted attachment's objects")
            await asyncio.sleep(0.05)


async def measure(size_mib: int = 64, rounds: int = ROUNDS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-s3-") as folder, moto_server() as (endpoint, s3_pid):
        root = Path(folder)
        source = root / "big.bin"
        random_file(source, size_mib * MIB)
        bucket = endpoint.new_bucket()
        settings: dict[str, str | int | float | bool] = {
            "run_mail_worker": False,
            "log_level": "WARNING",
            **s3_fields(endpoint, bucket),
        }
        server = ServiceProcess.serve(
            free_port(), root / "data", strongroom_env(settings), root / "serve.log"
        )
        server.start()
        took: dict[str, list[dict[str, float]]] = {}
        try:
            async with Strongroom(server.url, timeout=600) as client:
                await client.sign_up("benchmark passphrase")
                bench = Bench(client, endpoint, bucket, {"vault": server.pid, "s3": s3_pid}, source)
                bench.card_id = (await client.create_card("note", "Bench", {})).id
                kept = len(endpoint.objects(bucket))
                try:
                    # One untimed round first: connections, page cache and both servers' code paths warm.
                    for n in range(-1, rounds):
                        turn = 1 if n % 2 == 0 else -1
                        for phase in (*UPLOADS[::turn], *DOWNLOADS[::turn]):
                            result = await bench.run(phase, n + 1)
                            if n >= 0:
                                took.setdefault(phase, []).append(result)
                        await bench.clean(n + 1, kept)
                finally:
                    await bench.http.aclose()
        finally:
            server.stop()
    return summarise(took, size_mib, rounds)


def summarise(took: dict[str, list[dict[str, float]]], size_mib: int, rounds: int) -> dict[str, Any]:
    walls = {phase: [t["wall"] for t in runs] for phase, runs in took.items()}
    ratios = {
        f"{proxied}/{direct}": [round(p / d, 2) for p, d in zip(walls[proxied], walls[direct], strict=True)]
        for proxied, direct in RATIOS
    }
    phases: dict[str, dict[str, float]] = {}
    for phase in (*UPLOADS, *DOWNLOADS):
        runs = took[phase]
        wall = statistics.median(walls[phase])
        phases[phase] = {
            "wall_s": round(wall, 3),
            "mib_s": round(size_mib / wall, 1),
            **{f"{party}_cpu_s": round(statistics.median(t[party] for t in runs), 3) for party in PARTIES},
            "total_cpu_s": round(statistics.median(sum(t[p] for p in PARTIES) for t in runs), 3),
            # The Vault's CPU seconds as a share of every party's (client, Vault, store), per round.
            "vault_cpu_share": round(
                statistics.median(t["vault"] / max(sum(t[p] for p in PARTIES), 1e-9) for t in runs), 3
            ),
        }
    return {
        "size_mib": size_mib,
        "rounds": rounds,
        "phases": phases,
        "round_ratios": ratios,
        "median_ratios": {name: statistics.median(values) for name, values in ratios.items()},
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"{result['size_mib']} MiB file on S3 (moto on loopback), median of {result['rounds']} rounds; "
        "CPU seconds per transfer"
    ]
    lines.append(f"{'':20}{'wall s':>8}{'MiB/s':>8}{'client':>9}{'Vault':>9}{'S3':>9}{'Vault share':>13}")
    for phase, row in result["phases"].items():
        lines.append(
            f"{phase:20}{row['wall_s']:8.2f}{row['mib_s']:8.1f}{row['client_cpu_s']:9.2f}"
            f"{row['vault_cpu_s']:9.2f}{row['s3_cpu_s']:9.2f}{row['vault_cpu_share']:13.2f}"
        )
    lines.append("wall time ratios, proxied / pre-signed (per round, median):")
    for name, values in result["round_ratios"].items():
        lines.append(f"  {name:36} {values}  {result['median_ratios'][name]:.2f}")
    return "\n".join(lines)


def test_s3_transfer(benchmark: Any) -> None:
    run_once(benchmark, measure, report)


if __name__ == "__main__":
    print(report(asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 64))))
