"""The SDK's transport reads a response up to ``READ_BYTES`` at a time, not httpcore's 64 KiB."""

from __future__ import annotations

import asyncio

from strongroom.client._http import make_http_client
from strongroom.client._transport import READ_BYTES

BODY = 8 << 20


async def _serve_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(f"HTTP/1.1 200 OK\r\ncontent-length: {BODY}\r\n\r\n".encode())
    writer.write(b"x" * BODY)  # all of it queued at once: the client finds far more than 64 KiB waiting
    await writer.drain()
    writer.close()


async def test_a_response_is_read_in_pieces_larger_than_httpcores_64_kib() -> None:
    server = await asyncio.start_server(_serve_once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pieces: list[int] = []
    async with (
        server,
        make_http_client() as http,
        http.stream("GET", f"http://127.0.0.1:{port}/") as response,
    ):
        await asyncio.sleep(0.2)  # the whole body reaches the socket buffers
        async for piece in response.aiter_raw():
            pieces.append(len(piece))
    assert sum(pieces) == BODY
    assert max(pieces) > 64 << 10
    assert max(pieces) <= READ_BYTES
