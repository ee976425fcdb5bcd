"""Blobs as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, moto, ...).

An upload of up to :data:`PART_SIZE` bytes is one ``PutObject``; a larger one is a multipart upload of
:data:`PART_SIZE` parts, one sent while the next arrives, so the Vault holds at most two parts in memory.
An object appears only when the upload completes; a crash mid-upload leaves an unfinished multipart
upload, which :meth:`S3Store.collect_staging` aborts. boto3 is synchronous, so every call runs in a worker
thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar

import anyio.to_thread

from strongroom.kit.settings import Settings
from strongroom.vault.blobs.store import READ_CHUNK, BlobInfo, BlobStore, SizeMismatch

__all__ = ["PART_SIZE", "S3Store"]

PART_SIZE = 8 << 20
T = TypeVar("T")


class S3Store(BlobStore):
    name = "s3"

    def __init__(self, settings: Settings) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region or None,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key.get_secret_value() or None,
            config=Config(
                s3={"addressing_style": "path" if settings.s3_path_style else "auto"},
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=32,
            ),
        )

    async def _call(self, fn: Callable[..., T], **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(lambda: fn(**kwargs))

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    async def put(self, key: str, chunks: AsyncIterator[bytes], size: int) -> None:
        received = 0
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        # One part on its way to the store while the next one arrives: the two networks overlap.
        sending: asyncio.Task[None] | None = None
        c = self._client

        async def send_part(number: int, body: bytes) -> None:
            answer = await self._call(
                c.upload_part,
                Bucket=self.bucket,
                Key=self._key(key),
                UploadId=upload_id,
                PartNumber=number,
                Body=body,
            )
            parts.append({"PartNumber": number, "ETag": answer["ETag"]})

        try:
            async for chunk in chunks:
                received += len(chunk)
                if received > size:
                    raise SizeMismatch(received, over=True)
                buffer += chunk
                while len(buffer) >= PART_SIZE and received < size:
                    if upload_id is None:
                        created = await self._call(
                            c.create_multipart_upload, Bucket=self.bucket, Key=self._key(key)
                        )
                        upload_id = created["UploadId"]
                    part, buffer = bytes(buffer[:PART_SIZE]), buffer[PART_SIZE:]
                    if sending is not None:
                        await sending
                    sending = asyncio.create_task(send_part(len(parts) + 1, part))
            if sending is not None:
                await sending
                sending = None
            if received != size:
                raise SizeMismatch(received, over=False)
            if upload_id is None:
                await self._call(c.put_object, Bucket=self.bucket, Key=self._key(key), Body=bytes(buffer))
                return
            if buffer:
                await send_part(len(parts) + 1, bytes(buffer))
            await self._call(
                c.complete_multipart_upload,
                Bucket=self.bucket,
                Key=self._key(key),
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            if sending is not None:
                with contextlib.suppress(BaseException):
                    await sending
            if upload_id is not None:
                with anyio.CancelScope(shield=True):
                    await self._call(
                        c.abort_multipart_upload, Bucket=self.bucket, Key=self._key(key), UploadId=upload_id
                    )
            raise

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        answer = await self._call(
            self._client.get_object, Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{end}"
        )
        body = answer["Body"]
        try:
            while True:
                chunk = await anyio.to_thread.run_sync(body.read, READ_CHUNK)
                if not chunk:
                    break
                yield chunk
        finally:
            body.close()

    async def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._key(k)} for k in keys[start : start + 1000]]
            if batch:
                await self._call(
                    self._client.delete_objects, Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )

    async def list(self, prefix: str = "") -> AsyncIterator[BlobInfo]:
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._key(prefix)}
            if token:
                kwargs["ContinuationToken"] = token
            page = await self._call(self._client.list_objects_v2, **kwargs)
            for obj in page.get("Contents", []):
                yield BlobInfo(obj["Key"][len(self.prefix) :], obj["Size"], obj["LastModified"])
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")

    async def collect_staging(self, older_than: datetime, uploading: set[str]) -> int:
        # Only the keys decide: the store's clock (``Initiated``) need not agree with ours, and a multipart
        # upload is never touched while its blob still awaits its bytes.
        page = await self._call(self._client.list_multipart_uploads, Bucket=self.bucket, Prefix=self.prefix)
        removed = 0
        for upload in page.get("Uploads", []):
            if upload["Key"][len(self.prefix) :] not in uploading:
                await self._call(
                    self._client.abort_multipart_upload,
                    Bucket=self.bucket,
                    Key=upload["Key"],
                    UploadId=upload["UploadId"],
                )
                removed += 1
        return removed

    async def aclose(self) -> None:
        self._client.close()
