"""A real S3-protocol endpoint on loopback for the tests: moto's standalone server (``moto[server]``) as a
child process, one per test session (or per benchmark: :func:`moto_server`), and a fresh bucket per test."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Endpoint:
    url: str

    def client(self) -> Any:
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> str:
        name = f"sr-{uuid.uuid4().hex[:20]}"
        self.client().create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str) -> list[str]:
        """Every object key in the bucket."""
        client = self.client()
        keys: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys += [obj["Key"] for obj in page.get("Contents", [])]
        return keys

    def unfinished_uploads(self, bucket: str) -> list[str]:
        return [u["Key"] for u in self.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])]

    def read(self, bucket: str, key: str) -> bytes:
        body: bytes = self.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        return body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def moto_server() -> Iterator[tuple[S3Endpoint, int]]:
    """moto's server on a free loopback port while the block runs: its endpoint and its process id."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.2)
        yield S3Endpoint(url), process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[S3Endpoint]:
    with moto_server() as (endpoint, _):
        yield endpoint


def s3_fields(endpoint: S3Endpoint, bucket: str) -> dict[str, str]:
    """The settings that point the Vault's blob store at ``bucket``, as text (for a server's environment)."""
    return {
        "blob_backend": "s3",
        "s3_endpoint_url": endpoint.url,
        "s3_bucket": bucket,
        "s3_region": REGION,
        "s3_access_key_id": ACCESS_KEY,
        "s3_secret_access_key": SECRET_KEY,
    }


def s3_settings(endpoint: S3Endpoint, bucket: str) -> dict[str, Any]:
    """The same fields typed, for ``Settings`` built in-process."""
    from pydantic import SecretStr

    from strongroom.kit.settings import BlobBackend

    return s3_fields(endpoint, bucket) | {
        "blob_backend": BlobBackend.S3,
        "s3_secret_access_key": SecretStr(SECRET_KEY),
    }
