// File attachments in Meeco's block scheme, byte-compatible with strongroom.crypto.files: one random 32-byte
// file key, the file cut into 1 MiB blocks, each AES-256-GCM with a fresh 12-byte IV and the associated data
// "none"; the artefact record (JSON) lists every block's IV, tag and byte range, the size, and our `mac`
// (HMAC-SHA256 under a key derived from the file key) that binds them, so that whoever stores the blobs
// cannot reorder, drop or repeat whole blocks. A block's ciphertext is as long as its plaintext.
import { DecryptionError, KEY_LENGTH, generateKey } from "./cryppo";
import { CryptoFormatError, b64decode, b64encode, concat, equalBytes, randomBytes, utf8 } from "./encoding";

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

export const BLOCK_SIZE = 1 << 20;
/** The largest block a record may declare (a reader holds one block in memory at a time). */
export const MAX_BLOCK_SIZE = 16 << 20;
export const FILE_STRATEGY = "AES-GCM";
const AD = "none";
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const MAC_CONTEXT = utf8("strongroom file artefacts v1");
const RANGE = /^bytes=(\d{1,19})-(\d{1,19})$/;

export function generateFileKey(): Uint8Array {
  return generateKey();
}

export interface FileArtefacts {
  ivs: Uint8Array[];
  tags: Uint8Array[];
  /** Inclusive [first, last] byte offsets, contiguous from 0. */
  ranges: [number, number][];
  size: number;
  mac: Uint8Array | null;
}

function checkArtefacts(a: FileArtefacts): void {
  if (a.ivs.length !== a.tags.length || a.tags.length !== a.ranges.length) {
    throw new CryptoFormatError("artefacts: iv, at and range must have one entry per block");
  }
  let expected = 0;
  for (let i = 0; i < a.ivs.length; i++) {
    if (a.ivs[i]!.length !== IV_LENGTH || a.tags[i]!.length !== TAG_LENGTH) {
      throw new CryptoFormatError("artefacts: wrong IV or tag length");
    }
    const [first, last] = a.ranges[i]!;
    if (first !== expected || last < first || last - first + 1 > MAX_BLOCK_SIZE) {
      throw new CryptoFormatError("artefacts: block ranges must be contiguous from 0");
    }
    expected = last + 1;
  }
  if (expected !== a.size) throw new CryptoFormatError("artefacts: the block ranges do not add up to the size");
}

export function blockLength(a: FileArtefacts, index: number): number {
  const [first, last] = a.ranges[index]!;
  return last - first + 1;
}

function checkFileKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) {
    throw new CryptoFormatError(`a file key must be ${KEY_LENGTH} bytes`);
  }
}

async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", k, data));
}

function u64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

async function digest(fileKey: Uint8Array, a: FileArtefacts): Promise<Uint8Array> {
  checkFileKey(fileKey);
  const parts: Uint8Array[] = [u64(a.size)];
  for (let i = 0; i < a.ivs.length; i++) {
    const [first, last] = a.ranges[i]!;
    parts.push(a.ivs[i]!, a.tags[i]!, u64(first), u64(last));
  }
  return hmac(await hmac(fileKey, MAC_CONTEXT), concat(...parts));
}

/** The record as UTF-8 JSON, in the field order of Meeco's writer (and of the SDK). */
export function artefactsToJson(a: FileArtefacts): Uint8Array {
  const buffer = (b: Uint8Array): { type: string; data: number[] } => ({ type: "Buffer", data: [...b] });
  const record: Record<string, unknown> = {
    iv: a.ivs.map(buffer),
    ad: AD,
    at: a.tags.map(buffer),
    range: a.ranges.map(([first, last]) => `bytes=${first}-${last}`),
    encryption_strategy: FILE_STRATEGY,
    size: a.size,
  };
  if (a.mac !== null) record.mac = b64encode(a.mac);
  return utf8(JSON.stringify(record));
}

function bufferOf(value: unknown): Uint8Array {
  const data = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as { data?: unknown }).data : value;
  if (!Array.isArray(data) || !data.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255)) {
    throw new CryptoFormatError("artefacts: an iv or at entry is not a byte buffer");
  }
  return new Uint8Array(data as number[]);
}

function rangeOf(value: unknown): [number, number] {
  const m = typeof value === "string" ? RANGE.exec(value) : null;
  const first = m ? Number(m[1]) : NaN;
  const last = m ? Number(m[2]) : NaN;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) {
    throw new CryptoFormatError("artefacts: a range is not 'bytes=<first>-<last>'");
  }
  return [first, last];
}

/** Parse a record; CryptoFormatError for anything that is not a well-formed one. */
export function artefactsFromJson(data: Uint8Array): FileArtefacts {
  let record: unknown;
  try {
    record = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch {
    throw new CryptoFormatError("artefacts: not JSON");
  }
  if (typeof record !== "object" || record === null || Array.isArray(record)) throw new CryptoFormatError("artefacts: not a JSON object");
  const r = record as Record<string, unknown>;
  if (r.encryption_strategy !== FILE_STRATEGY || r.ad !== AD) throw new CryptoFormatError("artefacts: unsupported strategy or associated data");
  const size = r.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw new CryptoFormatError("artefacts: size must be a non-negative integer");
  if (!Array.isArray(r.iv) || !Array.isArray(r.at) || !Array.isArray(r.range)) throw new CryptoFormatError("artefacts: iv, at and range must be lists");
  if (r.mac !== undefined && r.mac !== null && typeof r.mac !== "string") throw new CryptoFormatError("artefacts: mac must be a string");
  const a: FileArtefacts = {
    ivs: r.iv.map(bufferOf),
    tags: r.at.map(bufferOf),
    ranges: r.range.map(rangeOf),
    size,
    mac: typeof r.mac === "string" ? b64decode(r.mac) : null,
  };
  checkArtefacts(a);
  return a;
}

async function gcmKey(fileKey: Uint8Array, use: KeyUsage): Promise<CryptoKey> {
  checkFileKey(fileKey);
  return subtle().importKey("raw", fileKey, "AES-GCM", false, [use]);
}

/** Encrypts a file block by block: `seal` every block in order (each BLOCK_SIZE bytes, the last one shorter),
 * then `finish` gives the record with its mac. */
export class FileSealer {
  private readonly ivs: Uint8Array[] = [];
  private readonly tags: Uint8Array[] = [];
  private readonly ranges: [number, number][] = [];
  private offset = 0;
  private shortSeen = false;
  private key: Promise<CryptoKey>;

  constructor(private readonly fileKey: Uint8Array) {
    this.key = gcmKey(fileKey, "encrypt");
  }

  /** The ciphertext of the next block (as long as `block`). */
  async seal(block: Uint8Array): Promise<Uint8Array> {
    if (!block.length || block.length > BLOCK_SIZE) throw new RangeError(`a block holds 1 to ${BLOCK_SIZE} bytes`);
    if (this.shortSeen) throw new RangeError("only the last block may be shorter than the block size");
    this.shortSeen = block.length < BLOCK_SIZE;
    const iv = randomBytes(IV_LENGTH);
    const first = this.offset;
    this.offset += block.length;
    this.ivs.push(iv);
    this.ranges.push([first, this.offset - 1]);
    const index = this.tags.length;
    this.tags.push(new Uint8Array(0));
    const sealed = new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv, additionalData: utf8(AD), tagLength: 128 }, await this.key, block));
    this.tags[index] = sealed.slice(sealed.length - TAG_LENGTH);
    return sealed.subarray(0, sealed.length - TAG_LENGTH);
  }

  async finish(): Promise<FileArtefacts> {
    const a: FileArtefacts = { ivs: [...this.ivs], tags: [...this.tags], ranges: [...this.ranges], size: this.offset, mac: null };
    checkArtefacts(a);
    return { ...a, mac: await digest(this.fileKey, a) };
  }
}

/** Decrypts the blocks of one file; the record's mac is checked first (`FileOpener.create`); every failure is a
 * DecryptionError. */
export class FileOpener {
  private constructor(
    private readonly key: CryptoKey,
    readonly artefacts: FileArtefacts,
  ) {}

  static async create(fileKey: Uint8Array, artefacts: FileArtefacts): Promise<FileOpener> {
    if (artefacts.mac === null || !equalBytes(artefacts.mac, await digest(fileKey, artefacts))) throw new DecryptionError();
    return new FileOpener(await gcmKey(fileKey, "decrypt"), artefacts);
  }

  /** The plaintext of block `index` from its ciphertext (exactly the block's range). */
  async open(index: number, ciphertext: Uint8Array): Promise<Uint8Array> {
    const a = this.artefacts;
    if (!(index >= 0 && index < a.ivs.length) || ciphertext.length !== blockLength(a, index)) throw new DecryptionError();
    try {
      return new Uint8Array(
        await subtle().decrypt({ name: "AES-GCM", iv: a.ivs[index]!, additionalData: utf8(AD), tagLength: 128 }, this.key, concat(ciphertext, a.tags[index]!)),
      );
    } catch {
      throw new DecryptionError();
    }
  }
}
