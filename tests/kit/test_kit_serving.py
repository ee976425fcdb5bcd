"""The server's connections over real sockets: no Nagle floor, slow heads cut off, a connection cap, request
bodies handed on intact."""

from __future__ import annotations

import asyncio
import hashlib
import os
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from strongroom.kit.serving import server_config
from strongroom.kit.settings import Settings
from tests.faults.process import ServiceProcess, free_port, strongroom_env


async def _hello(_: Request) -> JSONResponse:
    return JSONResponse({"hello": "world"})


async def _digest(request: Request) -> JSONResponse:
    """The body's SHA-256 and the types of the pieces it came in; it waits before reading, so that pieces
    pile up in the server first."""
    await asyncio.sleep(0.2)
    digest, types = hashlib.sha256(), set()
    async for piece in request.stream():
        digest.update(piece)
        types.add(type(piece).__name__)
    return JSONResponse({"sha256": digest.hexdigest(), "types": sorted(types)})


@asynccontextmanager
async def running(
    tmp_path: Path, *, header_timeout: float = 10.0, max_connections: int = 1000
) -> AsyncIterator[int]:
    """A tiny app behind our server config on a free port, in this (plain asyncio) event loop.

    The listening socket is bound the way uvicorn binds it for worker processes (protocol number 0, which
    asyncio's own TCP_NODELAY skips), so the tests see what a worker's connections get.
    """
    app = Starlette(routes=[Route("/", _hello), Route("/digest", _digest, methods=["POST"])])
    config = server_config(
        app,
        Settings(data_dir=tmp_path, port=0, header_timeout=header_timeout, max_connections=max_connections),
        lifespan="off",
    )
    sock = config.bind_socket()
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        assert not task.done(), "server did not start"
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task


async def _read_all(reader: asyncio.StreamReader, seconds: float) -> bytes:
    return await asyncio.wait_for(reader.read(), seconds)


async def test_a_client_dripping_its_request_head_is_cut_off(tmp_path: Path) -> None:
    async with running(tmp_path, header_timeout=0.5) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        began = time.monotonic()
        answer = b""
        # One byte every 0.1 s, until the server answers (the head would take 12 s to arrive).
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            writer.write(bytes([byte]))
            try:
                answer = await asyncio.wait_for(reader.read(), 0.1)
                break
            except TimeoutError:
                continue
        closed_after = time.monotonic() - began
        writer.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert b"request_timeout" in answer
        assert closed_after < 3, closed_after


async def test_a_silent_connection_is_closed_after_the_header_timeout(tmp_path: Path) -> None:
    async with running(tmp_path, header_timeout=0.5) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answer = await _read_all(reader, 5)
        writer.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer


async def test_connections_beyond_the_cap_are_refused_and_the_others_served(tmp_path: Path) -> None:
    async with running(tmp_path, max_connections=3, header_timeout=30) as port:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        await asyncio.sleep(0.1)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        refused = await _read_all(reader, 5)
        writer.close()
        assert refused.startswith(b"HTTP/1.1 503"), refused
        assert b"too_many_connections" in refused
        # A held connection still gets its answer; once one closes, a new one is served.
        first_reader, first_writer = held[0]
        first_writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        served = await _read_all(first_reader, 5)
        assert served.startswith(b"HTTP/1.1 200"), served
        first_writer.close()
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient() as client:
            r = await client.get(f"http://127.0.0.1:{port}/")
        assert r.status_code == 200
        for _, w in held[1:]:
            w.close()


async def test_a_body_arrives_intact_in_pieces_taken_at_once_or_piled_up(tmp_path: Path) -> None:
    # Small pieces first, while the app is not reading yet (several arrive before it takes one), then
    # large ones read as they come.
    pieces = [os.urandom(10_000) for _ in range(20)] + [os.urandom(1 << 20) for _ in range(3)]
    body = b"".join(pieces)
    async with running(tmp_path) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /digest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.005)
        answer = await _read_all(reader, 10)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert f'"sha256":"{hashlib.sha256(body).hexdigest()}"'.encode() in answer
    assert b'"types":["bytes"]' in answer


def _sequential_seconds(url: str, count: int = 20) -> list[float]:
    """Seconds each of ``count`` sequential requests takes on one keep-alive connection."""
    seconds = []
    with httpx.Client() as client:
        for _ in range(3):
            client.get(url)
        for _ in range(count):
            began = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - began)
            assert response.status_code == 200
            assert "server" not in response.headers
    return seconds


async def test_answers_on_a_workers_socket_have_no_delayed_ack_floor(tmp_path: Path) -> None:
    # With Nagle's algorithm left on, the body (a second small write after the head) waited for the
    # client's delayed ACK of the head: ~40 ms a request. Without it, about a millisecond; 20 ms is loose.
    # The client runs in a thread of its own, as a real client would (on this loop it hides the floor).
    async with running(tmp_path) as port:
        seconds = await asyncio.to_thread(_sequential_seconds, f"http://127.0.0.1:{port}/")
    assert statistics.median(seconds) < 0.020, seconds


def test_no_latency_floor_and_no_banner_with_workers(tmp_path: Path) -> None:
    # With Nagle's algorithm left on the workers' connections, each answer waited for the client's delayed
    # ACK: ~40 ms a request. Without it, a tiny endpoint answers in about a millisecond; 20 ms is loose.
    port = free_port()
    env = strongroom_env({"log_level": "WARNING", "run_mail_worker": False})
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(tmp_path / "d")]
    process = ServiceProcess(
        [*args, "--workers", "2"],
        env,
        tmp_path / "serve.log",
        ready_line="Vault:",
        health_url=f"http://127.0.0.1:{port}/vault/health",
    )
    process.start()
    try:
        seconds = _sequential_seconds(f"http://127.0.0.1:{port}/vault/version")
        assert statistics.median(seconds) < 0.020, seconds
    finally:
        process.stop()
