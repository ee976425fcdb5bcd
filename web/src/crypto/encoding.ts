// Text encodings of the wire formats: URL-safe base64 with padding, hex, UTF-8, Base58 (Bitcoin alphabet).
// Decoders are strict, like strongroom.crypto.encoding: one spelling per byte string.

export class CryptoFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CryptoFormatError";
  }
}

const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const URL_VALUES = new Map<string, number>([...URLSAFE].map((c, i) => [c, i]));
void STD;

export function b64encode(data: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < data.length; i += 3) {
    const n = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    out += URLSAFE[n >> 18]! + URLSAFE[(n >> 12) & 63]! + URLSAFE[(n >> 6) & 63]! + URLSAFE[n & 63]!;
  }
  const rest = data.length - i;
  if (rest === 1) {
    const n = data[i]! << 16;
    out += URLSAFE[n >> 18]! + URLSAFE[(n >> 12) & 63]! + "==";
  } else if (rest === 2) {
    const n = (data[i]! << 16) | (data[i + 1]! << 8);
    out += URLSAFE[n >> 18]! + URLSAFE[(n >> 12) & 63]! + URLSAFE[(n >> 6) & 63]! + "=";
  }
  return out;
}

export function b64decode(text: string): Uint8Array {
  if (typeof text !== "string" || text.length % 4 !== 0) throw new CryptoFormatError("invalid base64");
  let pad = 0;
  if (text.endsWith("==")) pad = 2;
  else if (text.endsWith("=")) pad = 1;
  const body = text.length - pad;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < body; i++) {
    const v = URL_VALUES.get(text[i]!);
    if (v === undefined) throw new CryptoFormatError("invalid base64");
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // Unused low bits of the last character must be zero (canonical spelling).
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) throw new CryptoFormatError("invalid base64: non-canonical padding bits");
  if (o !== out.length) throw new CryptoFormatError("invalid base64");
  return out;
}

export function toHex(data: Uint8Array): string {
  let out = "";
  for (const b of data) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(text: string): Uint8Array {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new CryptoFormatError("invalid hex");
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(data: Uint8Array): string {
  try {
    return decoder.decode(data);
  } catch {
    throw new CryptoFormatError("not UTF-8 text");
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Meeco's client hands PBKDF2 output to jsrp as a binary string, which jsrp UTF-8 encodes (bytes >= 0x80 double). */
export function latin1ToUtf8(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (const b of data) {
    if (b < 0x80) out.push(b);
    else out.push(0xc0 | (b >> 6), 0x80 | (b & 0x3f));
  }
  return new Uint8Array(out);
}

export const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BASE58_VALUES = new Map<string, number>([...BASE58_ALPHABET].map((c, i) => [c, i]));

export function base58Encode(data: Uint8Array): string {
  let zeros = 0;
  while (zeros < data.length && data[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of data) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) {
    out = BASE58_ALPHABET[Number(n % 58n)]! + out;
    n /= 58n;
  }
  return "1".repeat(zeros) + out;
}

export function isBase58(text: string): boolean {
  for (const c of text) if (!BASE58_VALUES.has(c)) return false;
  return true;
}
