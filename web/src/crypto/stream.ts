// Authenticated encryption of a long byte stream in chunks (the body of an export file), byte-compatible with
// strongroom.crypto.stream: AES-256-GCM, nonce `prefix (7 random bytes) ‖ counter (4, big-endian) ‖ last (1 on
// the final chunk, else 0)`, the file's header line as associated data (the STREAM construction). Chunks cannot
// be reordered, dropped, repeated or moved to another file, the header cannot be altered, and a stream cut short
// lacks its final chunk.
import { DecryptionError, KEY_LENGTH } from "./cryppo";
import { concat } from "./encoding";

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

export const NONCE_PREFIX_LENGTH = 7;
export const STREAM_TAG_LENGTH = 16;
const MAX_CHUNKS = 2 ** 32 - 1;

function nonce(prefix: Uint8Array, counter: number, last: boolean): Uint8Array {
  if (counter > MAX_CHUNKS) throw new RangeError("too many chunks for one stream");
  const tail = new Uint8Array(5);
  new DataView(tail.buffer).setUint32(0, counter);
  tail[4] = last ? 1 : 0;
  return concat(prefix, tail);
}

async function aesKey(key: Uint8Array, use: KeyUsage): Promise<CryptoKey> {
  if (key.length !== KEY_LENGTH) throw new RangeError(`a stream key must be ${KEY_LENGTH} bytes`);
  return subtle().importKey("raw", key, "AES-GCM", false, [use]);
}

function checkPrefix(prefix: Uint8Array): void {
  if (prefix.length !== NONCE_PREFIX_LENGTH) throw new RangeError(`the nonce prefix must be ${NONCE_PREFIX_LENGTH} bytes`);
}

/** Seals chunk after chunk; the caller marks the final one (`last`), exactly once. */
export class StreamSealer {
  private counter = 0;
  private done = false;
  private readonly key: Promise<CryptoKey>;

  constructor(
    key: Uint8Array,
    private readonly prefix: Uint8Array,
    private readonly header: Uint8Array,
  ) {
    checkPrefix(prefix);
    this.key = aesKey(key, "encrypt");
  }

  async seal(chunk: Uint8Array, last: boolean): Promise<Uint8Array> {
    if (this.done) throw new RangeError("the stream is already finished");
    const iv = nonce(this.prefix, this.counter, last);
    this.counter += 1;
    this.done = last;
    return new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv, additionalData: this.header, tagLength: 128 }, await this.key, chunk));
  }
}

/** Opens chunks in order; DecryptionError for any chunk that does not verify (wrong key, altered, reordered,
 * or a final chunk where none belongs). */
export class StreamOpener {
  private counter = 0;
  finished = false;
  private readonly key: Promise<CryptoKey>;

  constructor(
    key: Uint8Array,
    private readonly prefix: Uint8Array,
    private readonly header: Uint8Array,
  ) {
    checkPrefix(prefix);
    this.key = aesKey(key, "decrypt");
  }

  get chunksOpened(): number {
    return this.counter;
  }

  async open(sealed: Uint8Array, last: boolean): Promise<Uint8Array> {
    if (this.finished) throw new DecryptionError();
    let plain: Uint8Array;
    try {
      const iv = nonce(this.prefix, this.counter, last);
      plain = new Uint8Array(await subtle().decrypt({ name: "AES-GCM", iv, additionalData: this.header, tagLength: 128 }, await this.key, sealed));
    } catch {
      throw new DecryptionError();
    }
    this.counter += 1;
    this.finished = last;
    return plain;
  }
}
