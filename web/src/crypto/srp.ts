// SRP-6a exactly as jsrp 0.2.4 computes it with length 2048 (see strongroom/crypto/srp.py):
// k = H(pad(N)|pad(g)), x = H(salt | H(user ":" password)), A = pad(g^a), u = H(A|B) over B as received,
// S = (B - k g^x)^(a + u x), K = H(pad(S)), M1 = H(A|B|K), M2 = H(A|M1|K). Hex on the wire.
import { CryptoFormatError, concat, equalBytes, fromHex, randomBytes, toHex, utf8 } from "./encoding";

export const N = BigInt(
  "0xAC6BDB41324A9A9BF166DE5E1389582FAF72B6651987EE07FC3192943DB56050A37329CBB4A099ED8193E0757767A13D" +
    "D52312AB4B03310DCD7F48A9DA04FD50E8083969EDB767B0CF6095179A163AB3661A05FBD5FAAAE82918A9962F0B93B8" +
    "55F97993EC975EEAA80D740ADBF4FF747359D041D5C33EA71D281E446B14773BCA97B43A23FB801676BD207A436C6481" +
    "F1D2B9078717461A5B9D32E688F87748544523B524B0D57D5EA77A2775D2ECFA032CFBDBF52FB3786160279004E57AE6" +
    "AF874E7303CE53299CCC041C7BC308D82A5698F3A8D0C38271AE35F8E9DBFBB694B5C803D89F7AE435DE236D525F5475" +
    "9B65E372FCD68EF20FA7111F9E4AFF73",
);
export const G = 2n;
const N_BYTES = 256;

export class SrpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SrpError";
  }
}

async function hash(...parts: Uint8Array[]): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", concat(...parts)));
}

function toInt(data: Uint8Array): bigint {
  return data.length ? BigInt("0x" + toHex(data)) : 0n;
}

function pad(n: bigint): Uint8Array {
  return fromHex(n.toString(16).padStart(N_BYTES * 2, "0"));
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

let kCache: bigint | null = null;
async function k(): Promise<bigint> {
  kCache ??= toInt(await hash(pad(N), pad(G)));
  return kCache;
}

async function x(salt: Uint8Array, username: string, password: Uint8Array): Promise<bigint> {
  return toInt(await hash(salt, await hash(utf8(username), utf8(":"), password)));
}

function hexField(value: string, name: string, maxBytes: number): Uint8Array {
  if (typeof value !== "string" || !value) throw new SrpError(`${name} must be a non-empty hex string`);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(value);
  } catch (e) {
    if (e instanceof CryptoFormatError) throw new SrpError(`${name} is not valid hex`);
    throw e;
  }
  if (bytes.length > maxBytes) throw new SrpError(`${name} is too long`);
  return bytes;
}

/** Registration values (salt hex, verifier hex) as jsrp's createVerifier makes them. */
export async function createVerifier(
  username: string,
  password: Uint8Array,
  salt: Uint8Array = randomBytes(32),
): Promise<{ salt: string; verifier: string }> {
  const v = modPow(G, await x(salt, username, password), N);
  return { salt: toHex(salt), verifier: toHex(pad(v)) };
}

/** The client side of one login: A, then M1 from the challenge, then check M2. */
export class SrpClient {
  private readonly a: bigint;
  private readonly publicA: Uint8Array;
  private m1: Uint8Array | null = null;
  private key: Uint8Array | null = null;

  constructor(
    private readonly username: string,
    private readonly password: Uint8Array,
    a: Uint8Array = randomBytes(32),
  ) {
    this.a = toInt(a);
    if (this.a % N === 0n) throw new SrpError("a must not be zero");
    this.publicA = pad(modPow(G, this.a, N));
  }

  publicAHex(): string {
    return toHex(this.publicA);
  }

  async processChallenge(saltHex: string, bHex: string): Promise<string> {
    const salt = hexField(saltHex, "salt", 64);
    const publicB = hexField(bHex, "B", N_BYTES);
    const b = toInt(publicB);
    if (b % N === 0n) throw new SrpError("invalid server value B");
    const u = toInt(await hash(this.publicA, publicB));
    if (u === 0n) throw new SrpError("invalid server value B");
    const xv = await x(salt, this.username, this.password);
    const s = modPow(b - (await k()) * modPow(G, xv, N), this.a + u * xv, N);
    this.key = await hash(pad(s));
    this.m1 = await hash(this.publicA, publicB, this.key);
    return toHex(this.m1);
  }

  async verifyServerProof(m2Hex: string): Promise<void> {
    if (!this.m1 || !this.key) throw new SrpError("processChallenge must come first");
    const expected = await hash(this.publicA, this.m1, this.key);
    if (!equalBytes(expected, hexField(m2Hex, "M2", 32))) throw new SrpError("server proof does not match");
  }

  sharedKeyHex(): string {
    if (!this.key) throw new SrpError("processChallenge must come first");
    return toHex(this.key);
  }
}
