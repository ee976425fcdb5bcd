"""A 200 MB attachment from the shell, on a fresh install, on both blob stores: ``strongroom serve`` on disk
and on an S3-compatible store (moto's server on loopback); the file attached with ``items attach-file``,
shared with ``shares create``, and read back by owner and recipient byte for byte."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Shell, serving
from tests.e2e.test_e2e_cli import connect_locally, new_card, share, spec
from tests.s3server import ACCESS_KEY, REGION, SECRET_KEY, S3Endpoint

pytestmark = pytest.mark.e2e

BIG = 200 * 1024 * 1024


@pytest.fixture(scope="module", params=["disk", "s3"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shell]:
    env: dict[str, str] = {}
    if request.param == "s3":
        endpoint: S3Endpoint = request.getfixturevalue("s3_endpoint")
        env = {
            "STRONGROOM_BLOB_BACKEND": "s3",
            "STRONGROOM_S3_ENDPOINT_URL": endpoint.url,
            "STRONGROOM_S3_BUCKET": endpoint.new_bucket(),
            "STRONGROOM_S3_REGION": REGION,
            "STRONGROOM_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "STRONGROOM_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }
    with serving(tmp_path_factory.mktemp(f"e2e-{request.param}"), **env) as server:
        yield Shell(server, tmp_path_factory.mktemp("e2e-home"))


def big_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(BIG // (8 << 20)):
            chunk = os.urandom(8 << 20)
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def test_a_200_mb_attachment_is_created_shared_and_read(store: Shell) -> None:
    shell = store
    for name in ("alice", "bob"):
        assert shell("users", "create", "-o", f"{name}.yaml", "--name", name.title()).code == 0
    alice_bob, _ = connect_locally(shell, "alice.yaml", "bob.yaml")
    card = new_card(shell, "alice.yaml", "Contract", {"signed": "yes"})
    expected = big_file(shell.folder / "contract.bin")

    attached = spec(
        shell(
            "items", "attach-file", card, "--file", "contract.bin", "--label", "Contract", "-a", "alice.yaml"
        ),
        "Item",
    )
    slot = next(s for s in attached["slots"] if s["name"] == "contract")
    assert slot["slot_type_name"] == "attachment"

    shared = spec(share(shell, "alice.yaml", alice_bob, item=card), "Share")
    got = shell(
        "shares", "get-attachment", shared["id"], "--slot", "contract", "-o", "bob.bin", "-a", "bob.yaml"
    )
    assert yaml.safe_load(got.stdout)["spec"]["size"] == BIG, got.stderr
    assert sha256(shell.folder / "bob.bin") == expected
    (shell.folder / "bob.bin").unlink()

    own = shell("items", "get-attachment", card, "--slot", "contract", "-o", "mine.bin", "-a", "alice.yaml")
    assert own.code == 0, own.stderr
    assert sha256(shell.folder / "mine.bin") == expected
    (shell.folder / "mine.bin").unlink()

    # Revoked: the recipient's next download is refused with one error line, and nothing is written.
    assert shell("shares", "delete", shared["id"], "-y", "-a", "alice.yaml").code == 0
    refused = shell(
        "shares", "get-attachment", shared["id"], "--slot", "contract", "-o", "x.bin", "-a", "bob.yaml"
    )
    assert refused.code != 0
    assert refused.error_line()
    assert not (shell.folder / "x.bin").exists()
