// The export file, byte-compatible with strongroom.client._export_file (README "Export files"): a versioned
// header line (JSON), then `<4-byte big-endian length><sealed chunk>` repeated. The key is PBKDF2-HMAC-SHA256 of
// the export passphrase; the body is the JSON-lines plaintext in 64 KiB chunks under the STREAM construction with
// the header line as associated data. The first record is `export`, the last `end` (with the counts), so a file
// that verifies is also complete.
import * as c from "../crypto";
import type { Json } from "./http";

export const EXPORT_FORMAT = "strongroom-export";
export const EXPORT_VERSION = 1;
export const EXPORT_ITERATIONS = 600_000;
const KDF = "PBKDF2-HMAC-SHA256";
const CIPHER = "AES-256-GCM-STREAM";
const MAX_ITERATIONS = 10_000_000;
const CHUNK = 64 * 1024;
const MAX_CHUNK = 1024 * 1024;
const MAX_HEADER = 4096;
const SALT_LENGTH = 16;
const NEWLINE = 0x0a;

/** The file cannot be used: wrong export passphrase, altered, truncated, or of an unknown format or version.
 * Raised before anything is imported; the message is a sentence for the person. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExportError";
  }
}

function key(passphrase: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  return c.pbkdf2(c.utf8(passphrase), salt, iterations, 32);
}

/** A byte queue: appends at the end, takes from the front, each byte copied a bounded number of times (no
 * quadratic concatenation, even for one record far larger than a chunk). */
class Bytes {
  private data = new Uint8Array(2 * CHUNK);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  append(more: Uint8Array): void {
    if (this.end + more.length > this.data.length) {
      const live = this.length;
      const needed = live + more.length;
      if (needed > this.data.length / 2) {
        // Grow to twice what is needed, so that the next compaction is far off.
        const grown = new Uint8Array(Math.max(2 * this.data.length, 2 * needed));
        grown.set(this.data.subarray(this.start, this.end));
        this.data = grown;
      } else {
        this.data.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = live;
    }
    this.data.set(more, this.end);
    this.end += more.length;
  }

  /** The first `n` bytes (a copy), removed from the queue. */
  take(n: number): Uint8Array {
    const head = this.data.slice(this.start, this.start + n);
    this.start += n;
    if (this.start === this.end) this.start = this.end = 0;
    return head;
  }
}

/** Writes records (`write` each, then `close`); the file is a list of parts, joined once into a Blob. */
export class ExportWriter {
  private readonly parts: Uint8Array[] = [];
  private readonly buffer = new Bytes();

  private constructor(private readonly sealer: c.StreamSealer, header: Uint8Array) {
    this.parts.push(header);
  }

  static async create(passphrase: string, iterations = EXPORT_ITERATIONS): Promise<ExportWriter> {
    const salt = c.randomBytes(SALT_LENGTH);
    const prefix = c.randomBytes(c.NONCE_PREFIX_LENGTH);
    const header = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      kdf: { algorithm: KDF, iterations, salt: c.b64encode(salt) },
      cipher: { algorithm: CIPHER, chunk_size: CHUNK, nonce_prefix: c.b64encode(prefix) },
    };
    const line = c.utf8(JSON.stringify(header) + "\n");
    return new ExportWriter(new c.StreamSealer(await key(passphrase, salt, iterations), prefix, line), line);
  }

  async write(record: Json): Promise<void> {
    this.buffer.append(c.utf8(JSON.stringify(record) + "\n"));
    while (this.buffer.length > CHUNK) await this.emit(this.buffer.take(CHUNK), false);
  }

  async close(): Promise<Blob> {
    await this.emit(this.buffer.take(this.buffer.length), true);
    return new Blob(this.parts as BlobPart[], { type: "application/octet-stream" });
  }

  private async emit(chunk: Uint8Array, last: boolean): Promise<void> {
    const sealed = await this.sealer.seal(chunk, last);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, sealed.length);
    this.parts.push(length, sealed);
  }
}

interface Header {
  line: Uint8Array;
  iterations: number;
  salt: Uint8Array;
  prefix: Uint8Array;
}

function header(data: Uint8Array): Header {
  const end = data.subarray(0, MAX_HEADER).indexOf(NEWLINE);
  if (end < 0) throw new ExportError("This is not a Strongroom export file (it has no header line).");
  const line = data.subarray(0, end + 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(c.fromUtf8(line));
  } catch {
    throw new ExportError("This is not a Strongroom export file (its header is not JSON).");
  }
  const h = parsed as Json;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || h.format !== EXPORT_FORMAT) {
    throw new ExportError("This is not a Strongroom export file.");
  }
  if (h.version !== EXPORT_VERSION) {
    throw new ExportError(`This export file has version ${JSON.stringify(h.version ?? null)}, which this Strongroom does not know: it reads version ${EXPORT_VERSION}.`);
  }
  const kdf = (h.kdf ?? {}) as Json;
  const cipher = (h.cipher ?? {}) as Json;
  if (kdf.algorithm !== KDF || cipher.algorithm !== CIPHER) {
    throw new ExportError("The export file uses an algorithm this Strongroom does not know.");
  }
  const malformed = new ExportError("The export file's header is malformed.");
  const iterations = kdf.iterations;
  if (typeof iterations !== "number" || !Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) throw malformed;
  try {
    const salt = c.b64decode(kdf.salt as string);
    const prefix = c.b64decode(cipher.nonce_prefix as string);
    if (prefix.length !== c.NONCE_PREFIX_LENGTH) throw malformed;
    return { line: line.slice(), iterations, salt, prefix };
  } catch {
    throw malformed;
  }
}

async function openChunk(opener: c.StreamOpener, sealed: Uint8Array, last: boolean): Promise<Uint8Array> {
  try {
    return await opener.open(sealed, last);
  } catch {
    // below: tell a cut file from a wrong passphrase
  }
  if (last) {
    // A chunk sealed as not final where the file ends: the file was cut at a chunk boundary.
    let cut = false;
    try {
      await opener.open(sealed, false);
      cut = true;
    } catch {
      // not that either
    }
    if (cut) throw new ExportError("The export file is truncated.");
  }
  if (opener.chunksOpened === 0) throw new ExportError("Wrong export passphrase, or the export file was altered.");
  throw new ExportError("The export file was altered.");
}

/** The plaintext chunks of the body, each opened (and so verified) in order. */
async function* chunks(data: Uint8Array, h: Header, passphrase: string): AsyncGenerator<Uint8Array> {
  const opener = new c.StreamOpener(await key(passphrase, h.salt, h.iterations), h.prefix, h.line);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = h.line.length;
  while (at < data.length) {
    if (data.length - at < 4) throw new ExportError("The export file is truncated.");
    const size = view.getUint32(at);
    at += 4;
    if (size > MAX_CHUNK + c.STREAM_TAG_LENGTH) throw new ExportError("The export file is damaged (a chunk is too large).");
    if (data.length - at < size) throw new ExportError("The export file is truncated.");
    const sealed = data.subarray(at, at + size);
    at += size;
    yield await openChunk(opener, sealed, at >= data.length);
  }
  if (!opener.finished) throw new ExportError("The export file is truncated.");
}

function record(line: Uint8Array): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(c.fromUtf8(line));
  } catch {
    throw new ExportError("The export file's content is malformed.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || typeof (parsed as Json).type !== "string") {
    throw new ExportError("The export file's content is malformed.");
  }
  return parsed as Json;
}

/** Read and verify the whole file: its records in order, the `end` record last. ExportError if anything is
 * wrong (then the caller has created nothing). */
export async function readExport(data: Uint8Array, passphrase: string): Promise<Json[]> {
  const h = header(data);
  const records: Json[] = [];
  const pending = new Bytes();
  for await (const chunk of chunks(data, h, passphrase)) {
    let from = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, from)) {
      pending.append(chunk.subarray(from, nl));
      records.push(record(pending.take(pending.length)));
      from = nl + 1;
    }
    pending.append(chunk.subarray(from));
  }
  if (pending.length) throw new ExportError("The export file's content is malformed.");
  check(records);
  return records;
}

function check(records: Json[]): void {
  if (records[0]?.type !== "export") throw new ExportError("The export file's content is malformed (no export record).");
  const ends = records.findIndex((r) => r.type === "end");
  if (ends < 0) throw new ExportError("The export file is truncated (no end record).");
  if (ends !== records.length - 1) throw new ExportError("The export file's content is malformed (records after the end).");
  const end = records[ends]!;
  const counts = new Map<string, number>();
  for (const r of records.slice(1, ends)) counts.set(r.type as string, (counts.get(r.type as string) ?? 0) + 1);
  for (const kind of ["card", "received_card", "template"]) {
    if ((end[`${kind}s`] ?? 0) !== (counts.get(kind) ?? 0)) throw new ExportError("The export file's content is inconsistent (counts differ).");
  }
}
