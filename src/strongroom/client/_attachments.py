"""Encrypted file attachments: a file key per file, the file in AES-GCM blocks, the key as a slot value.

Upload (:meth:`AttachmentFlows.attach_file`): a fresh 32-byte file key; the file read and sealed one 1 MiB
block at a time and streamed to the Vault; the artefact record uploaded as a second blob; both linked as one
attachment; an ``attachment`` slot added to the card whose value is the file key, encrypted with the
card's DEK like any value. Sharing the card (or the slot) re-encrypts that value with the share DEK, so the
recipient gets the file key and the blob is never touched.

Download (:meth:`AttachmentFlows.download_attachment`): the record first (its MAC checked), then the blob
streamed and opened block by block into ``<dest>.part``, renamed to ``dest`` only when every block opened
and nothing is missing or left over: a tampered, reordered or truncated blob leaves no plaintext behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from strongroom import crypto
from strongroom.client._core import opened
from strongroom.client._errors import CryptoError, InvalidArgument
from strongroom.client._shares import ShareFlows
from strongroom.client._views import Card, CardSlot

__all__ = ["AttachmentFlows", "TransferProgress"]

TransferProgress = Callable[[int, int], None]
"""Called with (bytes done, bytes in all) as a transfer advances."""

ATTACHMENT_SLOT_TYPE = "attachment"
PIPELINE = 3  # blocks sealed ahead of the upload
MAX_RECORD = 64 << 20
_CANNOT = "cannot decrypt the attachment"


def _tampered() -> CryptoError:
    return CryptoError(f"{_CANNOT}: DecryptionError")


def _read_and_seal(handle: BinaryIO, sealer: crypto.FileSealer, count: int) -> bytes:
    block = handle.read(count)
    if len(block) != count:
        raise InvalidArgument("the file changed while it was being read")
    return sealer.seal(block)


def _open_file(path: Path) -> BinaryIO:
    if not path.is_file():
        raise InvalidArgument(f"not a file: {path}")
    return path.open("rb")


def _open_and_write(opener: crypto.FileOpener, index: int, block: bytearray, out: BinaryIO) -> None:
    out.write(opened(_CANNOT, opener.open, index, block))


class AttachmentFlows(ShareFlows):
    async def attach_file(
        self,
        card_id: str,
        path: str | os.PathLike[str],
        *,
        label: str | None = None,
        name: str | None = None,
        progress: TransferProgress | None = None,
    ) -> Card:
        """Encrypt the file at ``path`` and attach it to one of the caller's cards as an ``attachment``
        slot labelled ``label`` (default: the file's name; labels are visible to the Vault, values are not).

        A slot of that name that already holds an attachment gets the new one (the old one is deleted).
        """
        dek = self._ring().private_dek
        source = Path(path)
        handle = await asyncio.to_thread(_open_file, source)

        async def blocks() -> AsyncIterator[bytes]:
            # The next blocks are read and sealed, in order, by one worker thread while this one is on the
            # wire (one thread: the file is read and the blocks are sealed strictly in sequence).
            ahead: asyncio.Queue[asyncio.Future[bytes]] = asyncio.Queue(maxsize=PIPELINE)
            loop = asyncio.get_running_loop()
            worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="strongroom-seal")

            async def produce() -> None:
                done = 0
                while done < size:
                    count = min(crypto.BLOCK_SIZE, size - done)
                    await ahead.put(loop.run_in_executor(worker, _read_and_seal, handle, sealer, count))
                    done += count

            producer = asyncio.create_task(produce())
            try:
                sent = 0
                while sent < size:
                    block = await (await ahead.get())
                    yield block
                    sent += len(block)
                    if progress is not None:
                        progress(sent, size)
                await producer
            finally:
                producer.cancel()
                while not ahead.empty():
                    ahead.get_nowait().cancel()
                worker.shutdown(wait=True, cancel_futures=True)

        with handle:
            size = os.fstat(handle.fileno()).st_size
            file_key = crypto.generate_file_key()
            sealer = crypto.FileSealer(file_key)
            upload = await self.vault.create_upload_url(size)
            await self.vault.upload_blob(upload.blob_id, blocks(), size)
        if progress is not None and size == 0:
            progress(0, 0)
        record = sealer.finish().to_json()
        record_upload = await self.vault.create_upload_url(len(record))
        await self.vault.upload_blob(record_upload.blob_id, record, len(record))
        attachment = await self.vault.create_attachment(upload.blob_id, record_upload.blob_id)
        slot: dict[str, str | None] = {
            "label": label or source.name,
            "slot_type_name": ATTACHMENT_SLOT_TYPE,
            "encrypted_value": self._encrypt(dek, crypto.b64encode(file_key)),
            "attachment_id": attachment.id,
        }
        if name is not None:
            slot["name"] = name
        try:
            updated = await self.vault.update_item(card_id, slots_attributes=[slot])
        except BaseException:
            await asyncio.shield(self.vault.delete_attachment(attachment.id))
            raise
        return self._card(updated.item, updated.slots)

    async def _opener(self, slot: CardSlot) -> tuple[crypto.FileOpener, str, int]:
        if slot.attachment_id is None or slot.value is None:
            raise InvalidArgument(f"slot {slot.name or slot.id} holds no attachment")
        file_key = opened("cannot read the file key", crypto.b64decode, slot.value)
        attachment = await self.vault.attachment(slot.attachment_id)
        if attachment.encryption_artifact.byte_size > MAX_RECORD:
            raise _tampered()
        record = b"".join([c async for c in self.vault.download_blob(attachment.encryption_artifact.id)])
        artefacts = opened(_CANNOT, crypto.FileArtefacts.from_json, record)
        opener = opened(_CANNOT, crypto.FileOpener, file_key, artefacts)
        if attachment.main.byte_size != artefacts.size:
            raise _tampered()
        return opener, attachment.main.id, artefacts.size

    async def download_attachment(
        self, slot: CardSlot, dest: str | os.PathLike[str], *, progress: TransferProgress | None = None
    ) -> int:
        """Fetch and decrypt the file of an ``attachment`` slot (from :meth:`card` or :meth:`read_share`)
        into ``dest``; returns its size. Any tampering raises :class:`CryptoError` and writes nothing."""
        opener, blob_id, size = await self._opener(slot)
        target = Path(dest)
        part = target.with_name(f".{target.name}.part")
        artefacts = opener.artefacts
        writing: asyncio.Future[None] | None = None
        try:
            with await asyncio.to_thread(part.open, "wb") as out:
                # Each block is gathered into a buffer of its own length straight from the pieces that
                # arrive (the one copy on the way in), then opened and written in a thread while the next
                # block arrives.
                index, filled, done = 0, 0, 0
                block = bytearray(artefacts.block_length(0)) if artefacts.block_count else bytearray()
                if size:
                    async for chunk in self.vault.download_blob(blob_id):
                        piece = memoryview(chunk)
                        while piece:
                            if index == artefacts.block_count:
                                raise _tampered()
                            taken = min(len(block) - filled, len(piece))
                            block[filled : filled + taken] = piece[:taken]
                            filled, piece = filled + taken, piece[taken:]
                            if filled < len(block):
                                continue
                            if writing is not None:
                                await writing
                            writing = asyncio.ensure_future(
                                asyncio.to_thread(_open_and_write, opener, index, block, out)
                            )
                            index, filled, done = index + 1, 0, done + len(block)
                            if index < artefacts.block_count:
                                block = bytearray(artefacts.block_length(index))
                            if progress is not None:
                                progress(done, size)
                if writing is not None:
                    await writing
                    writing = None
                if index != artefacts.block_count or filled:
                    raise _tampered()
            os.replace(part, target)
        except BaseException:
            if writing is not None and not writing.done():
                writing.cancel()
                with contextlib.suppress(BaseException):
                    await writing
            part.unlink(missing_ok=True)
            raise
        return size

    async def read_attachment_block(self, slot: CardSlot, index: int) -> bytes:
        """One decrypted block of an attachment, fetched alone with a ``Range`` request."""
        opener, blob_id, _ = await self._opener(slot)
        if not 0 <= index < opener.artefacts.block_count:
            raise InvalidArgument(f"the attachment has {opener.artefacts.block_count} blocks")
        first, last = opener.artefacts.ranges[index]
        block = b"".join([c async for c in self.vault.download_blob(blob_id, (first, last))])
        return opened(_CANNOT, opener.open, index, block)

    async def delete_attachment(self, card_id: str, slot: str) -> Card:
        """Remove an ``attachment`` slot (by name or id) from a card; the Vault deletes its blobs."""
        card = await self.card(card_id)
        try:
            chosen = card.slot(slot)
        except KeyError:
            raise InvalidArgument(f"the card has no slot {slot!r}") from None
        return await self.update_card(card_id, remove=[chosen.id])
