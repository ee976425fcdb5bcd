// The tiny BSON subset cryppo artefacts use: binary (subtype 0), UTF-8 string, int32, int64.
import { CryptoFormatError, concat, fromUtf8, utf8 } from "./encoding";

export type BsonValue = Uint8Array | string | number;

const MAX_DOCUMENT = 64 * 1024;

function int32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, n, true);
  return out;
}

function cstring(name: string): Uint8Array {
  return concat(utf8(name), new Uint8Array([0]));
}

export function encodeDocument(fields: ReadonlyArray<readonly [string, BsonValue]>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, value] of fields) {
    if (value instanceof Uint8Array) {
      parts.push(new Uint8Array([0x05]), cstring(name), int32(value.length), new Uint8Array([0]), value);
    } else if (typeof value === "string") {
      const raw = utf8(value);
      parts.push(new Uint8Array([0x02]), cstring(name), int32(raw.length + 1), raw, new Uint8Array([0]));
    } else {
      if (!Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
        throw new RangeError("only int32 values are written");
      }
      parts.push(new Uint8Array([0x10]), cstring(name), int32(value));
    }
  }
  const body = concat(...parts);
  return concat(int32(body.length + 5), body, new Uint8Array([0]));
}

export function decodeDocument(data: Uint8Array): Map<string, BsonValue> {
  const size = data.length;
  if (size < 5) throw new CryptoFormatError("BSON document too short");
  if (size > MAX_DOCUMENT) throw new CryptoFormatError("BSON document too large");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getInt32(0, true) !== size) throw new CryptoFormatError("BSON document length does not match");
  if (data[size - 1] !== 0) throw new CryptoFormatError("BSON document not terminated");
  const end = size - 1;
  let pos = 4;
  const result = new Map<string, BsonValue>();
  while (pos < end) {
    const type = data[pos++]!;
    const nul = data.indexOf(0, pos);
    if (nul < 0 || nul >= end) throw new CryptoFormatError("BSON key not terminated");
    const name = fromUtf8(data.subarray(pos, nul));
    if (result.has(name)) throw new CryptoFormatError("duplicate BSON key");
    pos = nul + 1;
    if (type === 0x05) {
      if (pos + 5 > end) throw new CryptoFormatError("truncated BSON binary");
      const length = view.getUint32(pos, true);
      const subtype = data[pos + 4];
      pos += 5;
      if (subtype !== 0) throw new CryptoFormatError("unsupported BSON binary subtype");
      if (length > end - pos) throw new CryptoFormatError("truncated BSON binary");
      result.set(name, data.slice(pos, pos + length));
      pos += length;
    } else if (type === 0x02) {
      if (pos + 4 > end) throw new CryptoFormatError("truncated BSON string");
      const length = view.getUint32(pos, true);
      pos += 4;
      if (length < 1 || length > end - pos || data[pos + length - 1] !== 0) {
        throw new CryptoFormatError("malformed BSON string");
      }
      result.set(name, fromUtf8(data.subarray(pos, pos + length - 1)));
      pos += length;
    } else if (type === 0x10) {
      if (pos + 4 > end) throw new CryptoFormatError("truncated BSON int32");
      result.set(name, view.getInt32(pos, true));
      pos += 4;
    } else if (type === 0x12) {
      if (pos + 8 > end) throw new CryptoFormatError("truncated BSON int64");
      const big = view.getBigInt64(pos, true);
      if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new CryptoFormatError("BSON int64 out of range");
      }
      result.set(name, Number(big));
      pos += 8;
    } else {
      throw new CryptoFormatError("unsupported BSON element type");
    }
  }
  if (pos !== end) throw new CryptoFormatError("malformed BSON document");
  return result;
}
