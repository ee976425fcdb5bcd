"""Attachment throughput over real HTTP against a real ``strongroom serve`` (disk store), compared with the
floor measured in the same run: raw AES-GCM of the same 1 MiB blocks plus the same disk writes (and an
fsync), with no HTTP and no Vault. Also the Vault process's peak memory after a small file and after the big
ones: flat in file size is the goal.

``make bench`` runs it (``test_attachment_throughput``); ``python -m bench.bench_attachments [MiB]`` prints
the same table. Rounds take turns (floor, upload, floor, download), so background load hits both alike.

Every output is deleted as soon as it has been timed (each round's attachment too: the benchmark waits
until the Vault has removed its blob file), and one untimed round runs first, so that the floor and the
Vault both write into page cache that was used before. Otherwise the Vault alone wrote every round into
memory the machine had never touched, which on a freshly booted VM costs far more than the copy itself
(200 MiB written and fsynced into new files ran at 110-180 MiB/s here, into a file just deleted and
written again at 850-1500 MiB/s).
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tests.faults.process import ServiceProcess, free_port, strongroom_env

from bench.once import run_once
from strongroom import crypto
from strongroom.client import Strongroom

MIB = 1 << 20
ROUNDS = 3


def random_file(path: Path, size: int) -> None:
    with path.open("wb") as out:
        left = size
        while left:
            chunk = os.urandom(min(8 * MIB, left))
            out.write(chunk)
            left -= len(chunk)


def blob_files(blob_dir: Path) -> int:
    return sum(1 for path in blob_dir.rglob("*") if path.is_file() and ".staging" not in path.parts)


def wait_for_blob_files(blob_dir: Path, count: int, seconds: float = 30.0) -> None:
    """Until the Vault's blob collector (another process) has removed the deleted attachments' files."""
    deadline = time.monotonic() + seconds
    while blob_files(blob_dir) > count:
        if time.monotonic() > deadline:
            raise RuntimeError("the Vault did not remove the deleted attachment's blobs")
        time.sleep(0.05)


def cpu_seconds(pid: int | None = None) -> float:
    """User plus system CPU seconds of this process (every thread), or of process ``pid``."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def floor_encrypt(source: Path, target: Path) -> tuple[float, float]:
    """Raw AES-GCM of every 1 MiB block with a fresh IV, written to disk and fsynced: seconds and CPU
    seconds taken."""
    key = AESGCM(crypto.generate_file_key())
    started, cpu = time.perf_counter(), cpu_seconds()
    with source.open("rb") as src, target.open("wb") as out:
        while block := src.read(crypto.BLOCK_SIZE):
            out.write(key.encrypt(os.urandom(12), block, b"none")[:-16])
        out.flush()
        os.fsync(out.fileno())
    return time.perf_counter() - started, cpu_seconds() - cpu


def floor_decrypt(source: Path, target: Path) -> tuple[float, float]:
    """Read, AES-GCM-decrypt every block (encrypted here beforehand) and write the plaintext (no fsync: the
    SDK does not sync what it downloads either)."""
    key = AESGCM(crypto.generate_file_key())
    sealed: list[tuple[bytes, bytes]] = []
    with source.open("rb") as src:
        while block := src.read(crypto.BLOCK_SIZE):
            iv = os.urandom(12)
            sealed.append((iv, key.encrypt(iv, block, b"none")[-16:]))
    ciphertext = source.with_suffix(".sealed")
    with source.open("rb") as src, ciphertext.open("wb") as out:
        for iv, _ in sealed:
            out.write(key.encrypt(iv, src.read(crypto.BLOCK_SIZE), b"none")[:-16])
    started, cpu = time.perf_counter(), cpu_seconds()
    with ciphertext.open("rb") as src, target.open("wb") as out:
        for iv, tag in sealed:
            out.write(key.decrypt(iv, src.read(crypto.BLOCK_SIZE) + tag, b"none"))
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    ciphertext.unlink()
    return elapsed, cpu


async def measure(size_mib: int = 200, rounds: int = ROUNDS) -> dict[str, Any]:
    size = size_mib * MIB
    with tempfile.TemporaryDirectory(prefix="bench-attachments-") as folder:
        root = Path(folder)
        source = root / "big.bin"
        random_file(source, size)
        small = root / "small.bin"
        random_file(small, 8 * MIB)
        env = strongroom_env({"run_mail_worker": False, "log_level": "WARNING"})
        server = ServiceProcess.serve(free_port(), root / "data", env, root / "serve.log")
        server.start()
        try:
            async with Strongroom(server.url, timeout=600) as client:
                await client.sign_up("benchmark passphrase")
                card = await client.create_card("note", "Bench", {})
                slot = (await client.attach_file(card.id, small, label="small")).slot("small")
                await client.download_attachment(slot, root / "small.out")
                peak_small = server.peak_memory_kib()
                blob_dir = root / "data" / "blobs"
                kept = blob_files(blob_dir)
                times: dict[str, list[float]] = {}
                cpus: dict[str, list[float]] = {}
                # One untimed round first: the page cache every later round writes into has been used.
                for n in range(-1, rounds):
                    took: dict[str, tuple[float, float]] = {}
                    took["floor_up"] = floor_encrypt(source, root / "floor.enc")
                    (root / "floor.enc").unlink()
                    started, cpu = time.perf_counter(), cpu_seconds() + cpu_seconds(server.pid)
                    card_now = await client.attach_file(card.id, source, label=f"big {n + 1}")
                    took["up"] = (
                        time.perf_counter() - started,
                        cpu_seconds() + cpu_seconds(server.pid) - cpu,
                    )
                    took["floor_down"] = floor_decrypt(source, root / "floor.out")
                    (root / "floor.out").unlink()
                    started, cpu = time.perf_counter(), cpu_seconds() + cpu_seconds(server.pid)
                    await client.download_attachment(card_now.slot(f"big_{n + 1}"), root / "big.out")
                    took["down"] = (
                        time.perf_counter() - started,
                        cpu_seconds() + cpu_seconds(server.pid) - cpu,
                    )
                    (root / "big.out").unlink()
                    await client.delete_attachment(card.id, f"big_{n + 1}")
                    wait_for_blob_files(blob_dir, kept)
                    if n >= 0:
                        for phase, (wall, cpu_used) in took.items():
                            times.setdefault(phase, []).append(wall)
                            cpus.setdefault(phase, []).append(cpu_used)
                peak_big = server.peak_memory_kib()
        finally:
            server.stop()
    floors_up, ups, floors_down, downs = (times[k] for k in ("floor_up", "up", "floor_down", "down"))
    up, down = statistics.median(ups), statistics.median(downs)
    floor_up, floor_down = statistics.median(floors_up), statistics.median(floors_down)
    return {
        "upload_round_ratios": [round(f / t, 2) for f, t in zip(floors_up, ups, strict=True)],
        "download_round_ratios": [round(f / t, 2) for f, t in zip(floors_down, downs, strict=True)],
        # CPU seconds (client and Vault together for the transfers): less at the mercy of other load.
        "cpu_s": {phase: round(statistics.median(used), 3) for phase, used in cpus.items()},
        "size_mib": size_mib,
        "rounds": rounds,
        "upload_mib_s": size_mib / up,
        "floor_encrypt_write_mib_s": size_mib / floor_up,
        "upload_ratio": floor_up / up,
        "download_mib_s": size_mib / down,
        "floor_decrypt_write_mib_s": size_mib / floor_down,
        "download_ratio": floor_down / down,
        "vault_peak_kib_after_8_mib": peak_small,
        "vault_peak_kib_after_big": peak_big,
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"{result['size_mib']} MiB attachment, median of {result['rounds']} rounds (real HTTP, disk store)"
    ]
    lines.append(
        f"upload   {result['upload_mib_s']:8.1f} MiB/s   floor (AES-GCM + write) "
        f"{result['floor_encrypt_write_mib_s']:8.1f} MiB/s   ratio {result['upload_ratio']:.2f}"
    )
    lines.append(
        f"download {result['download_mib_s']:8.1f} MiB/s   floor (read + AES-GCM + write) "
        f"{result['floor_decrypt_write_mib_s']:8.1f} MiB/s   ratio {result['download_ratio']:.2f}"
    )
    lines.append(
        f"per round: upload {result['upload_round_ratios']}, download {result['download_round_ratios']}"
    )
    cpu = result["cpu_s"]
    lines.append(
        f"CPU seconds (median): floor up {cpu['floor_up']}, upload {cpu['up']} (client + Vault); "
        f"floor down {cpu['floor_down']}, download {cpu['down']}"
    )
    lines.append(
        f"Vault peak RSS: {result['vault_peak_kib_after_8_mib']} KiB after an 8 MiB file, "
        f"{result['vault_peak_kib_after_big']} KiB after the {result['size_mib']} MiB ones"
    )
    return "\n".join(lines)


def test_attachment_throughput(benchmark: Any) -> None:
    run_once(benchmark, measure, report)


if __name__ == "__main__":
    print(report(asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 200))))
