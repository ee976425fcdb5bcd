// File attachments, as the SDK's attachment flows do them: a fresh file key per file, the file sealed block by
// block in the page, the ciphertext and the artefact record uploaded as two blobs, linked as one attachment, and
// an `attachment` slot whose value is the file key encrypted with the card's DEK (shares re-encrypt that value,
// so a recipient gets the file key and the blob is never touched). Downloads open block by block into a Blob
// that lives in the page's memory only.
import * as c from "../crypto";
import { type Card, card as ownCard } from "./cards";
import { type Core, isStatus, seg } from "./core";
import { type Json, ProtocolError, need, obj } from "./http";

export const ATTACHMENT_SLOT_TYPE = "attachment";
const MAX_RECORD = 64 << 20;

/** (phase, bytes done, bytes in all): "encrypting" and "uploading", or "downloading" (decrypting as it arrives). */
export type TransferProgress = (phase: "encrypting" | "uploading" | "downloading", done: number, total: number) => void;

/** The file was changed, cut short or reordered where it is stored, or the key does not open it. */
export class AttachmentUnreadable extends Error {
  constructor() {
    super("the attachment cannot be decrypted: it was changed or damaged where it is stored");
    this.name = "AttachmentUnreadable";
  }
}

/** The Vault no longer lets the caller read the file (a revoked or expired share, a deleted file). */
export class AttachmentUnavailable extends Error {
  constructor() {
    super("this attachment is no longer available: the share was revoked or expired, or the file was removed");
    this.name = "AttachmentUnavailable";
  }
}

export interface AttachmentSlot {
  attachmentId: string | null;
  value: string | null;
}

async function uploadBlob(core: Core, body: Blob, onProgress?: (sent: number, total: number) => void): Promise<string> {
  const made = obj(
    await core.vault.call("POST", "/direct/attachments/upload_url", { body: { blob: { byte_size: body.size } } }),
    "attachment_direct_upload_url",
    "POST /direct/attachments/upload_url",
  );
  const blobId = need(made, "blob_id", "POST /direct/attachments/upload_url");
  await core.vault.putBytes(`/direct/blobs/${seg(blobId)}`, body, onProgress);
  return blobId;
}

/** Encrypt `file` in the page and attach it to one of the caller's cards as an `attachment` slot labelled
 * with the file's name (labels are visible to the Vault, values are not). */
export async function attachFile(core: Core, cardId: string, file: Blob & { name?: string }, progress?: TransferProgress, label?: string): Promise<Card> {
  const dek = core.ring().privateDek;
  const flow = "attach";
  const size = file.size;
  const fileKey = c.generateFileKey();
  const sealer = new c.FileSealer(fileKey);
  core.step(flow, "Encrypting the file in this page, block by block");
  const parts: Uint8Array[] = [];
  progress?.("encrypting", 0, size);
  for (let done = 0; done < size; ) {
    const count = Math.min(c.BLOCK_SIZE, size - done);
    const block = new Uint8Array(await file.slice(done, done + count).arrayBuffer());
    if (block.length !== count) throw new ProtocolError("the file changed while it was being read");
    parts.push(await sealer.seal(block));
    done += count;
    progress?.("encrypting", done, size);
  }
  const record = c.artefactsToJson(await sealer.finish());
  core.step(flow, "Uploading the encrypted file");
  const blobId = await uploadBlob(core, new Blob(parts, { type: "application/octet-stream" }), (sent, total) => progress?.("uploading", sent, total));
  parts.length = 0;
  const recordId = await uploadBlob(core, new Blob([record], { type: "application/octet-stream" }));
  const attachment = obj(
    await core.vault.call("POST", "/direct/attachments", { body: { blob: { blob_id: blobId, encrypted_artifact_blob_id: recordId } } }),
    "attachment",
    "POST /direct/attachments",
  );
  const attachmentId = need(attachment, "id", "POST /direct/attachments");
  core.step(flow, "Adding the attachment slot with the file key, encrypted with the card's key");
  const slot: Json = {
    label: label || file.name || "attachment",
    slot_type_name: ATTACHMENT_SLOT_TYPE,
    encrypted_value: await core.encrypt(dek, c.b64encode(fileKey)),
    attachment_id: attachmentId,
  };
  try {
    await core.vault.call("PUT", `/items/${seg(cardId)}`, { body: { item: { slots_attributes: [slot] } } });
  } catch (e) {
    // No orphan file behind a slot that does not exist.
    await core.vault.call("DELETE", `/direct/attachments/${seg(attachmentId)}`, { expectBody: false }).catch(() => undefined);
    throw e;
  }
  return ownCard(core, cardId);
}

async function readAll(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

async function remote(core: Core, attachmentId: string): Promise<Json> {
  try {
    return obj(await core.vault.call("GET", `/direct/attachments/${seg(attachmentId)}`), "attachment", "GET /direct/attachments/{id}");
  } catch (e) {
    if (isStatus(e, 403, 404, 410)) throw new AttachmentUnavailable();
    throw e;
  }
}

async function blob(core: Core, blobId: string): Promise<Response> {
  try {
    return await core.vault.getBytes(`/direct/blobs/${seg(blobId)}`);
  } catch (e) {
    if (isStatus(e, 403, 404, 410)) throw new AttachmentUnavailable();
    throw e;
  }
}

function sizeOf(file: Json, where: string): number {
  const value = file.byte_size;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new ProtocolError(`${where}: no byte_size`);
  return value;
}

/** Fetch and decrypt the file of an attachment slot (of one's own card or of a share): the record first (its
 * mac checked), then the blob opened block by block as it arrives. Any tampering raises AttachmentUnreadable
 * and gives no plaintext. */
export async function downloadAttachment(core: Core, slot: AttachmentSlot, progress?: TransferProgress): Promise<Blob> {
  if (slot.attachmentId === null || slot.value === null) throw new ProtocolError("this slot holds no attachment");
  const flow = "download";
  let fileKey: Uint8Array;
  try {
    fileKey = c.b64decode(slot.value);
  } catch {
    throw new AttachmentUnreadable();
  }
  core.step(flow, "Fetching the file's encryption record");
  const attachment = await remote(core, slot.attachmentId);
  const main = obj(attachment, "main", "GET /direct/attachments/{id}");
  const artefact = obj(attachment, "encryption_artifact", "GET /direct/attachments/{id}");
  if (sizeOf(artefact, "encryption_artifact") > MAX_RECORD) throw new AttachmentUnreadable();
  const recordBytes = await readAll(await blob(core, need(artefact, "id", "encryption_artifact")));
  let opener: c.FileOpener;
  try {
    opener = await c.FileOpener.create(fileKey, c.artefactsFromJson(recordBytes));
  } catch {
    throw new AttachmentUnreadable();
  }
  const a = opener.artefacts;
  if (sizeOf(main, "main") !== a.size) throw new AttachmentUnreadable();
  core.step(flow, "Downloading and decrypting the file, block by block");
  const out: Uint8Array[] = [];
  progress?.("downloading", 0, a.size);
  let index = 0;
  let done = 0;
  if (a.size > 0) {
    const response = await blob(core, need(main, "id", "main"));
    if (!response.body) throw new ProtocolError("GET /direct/blobs/{id}: no body");
    const reader = response.body.getReader();
    let pending = new Uint8Array(0);
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      pending = pending.length ? c.concat(pending, value) : value;
      while (index < a.ivs.length && pending.length >= c.blockLength(a, index)) {
        const length = c.blockLength(a, index);
        try {
          out.push(await opener.open(index, pending.slice(0, length)));
        } catch {
          await reader.cancel().catch(() => undefined);
          throw new AttachmentUnreadable();
        }
        pending = pending.slice(length);
        index += 1;
        done += length;
        progress?.("downloading", done, a.size);
      }
      if (index === a.ivs.length && pending.length) {
        await reader.cancel().catch(() => undefined);
        throw new AttachmentUnreadable();
      }
    }
    if (pending.length) throw new AttachmentUnreadable();
  }
  if (index !== a.ivs.length) throw new AttachmentUnreadable();
  return new Blob(out, { type: "application/octet-stream" });
}
