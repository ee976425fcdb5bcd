// RSA keys as the SDK writes them: PKCS#1 private PEM ("BEGIN RSA PRIVATE KEY") and SPKI public PEM.
// WebCrypto speaks PKCS#8 and SPKI, so PKCS#1 is wrapped into (and cut out of) PKCS#8 here.
import { CryptoFormatError, b64decode, b64encode, concat } from "./encoding";

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

const RSA_ALGORITHM_ID = new Uint8Array([
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
]);

function derLength(n: number): Uint8Array {
  if (n < 0x80) return new Uint8Array([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, body: Uint8Array): Uint8Array {
  return concat(new Uint8Array([tag]), derLength(body.length), body);
}

interface Tlv {
  tag: number;
  body: Uint8Array;
  end: number;
}

function readTlv(data: Uint8Array, pos: number): Tlv {
  const tag = data[pos];
  let len = data[pos + 1];
  if (tag === undefined || len === undefined) throw new CryptoFormatError("truncated DER");
  let p = pos + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count < 1 || count > 4) throw new CryptoFormatError("bad DER length");
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + (data[p++] ?? 0);
  }
  if (p + len > data.length) throw new CryptoFormatError("truncated DER");
  return { tag, body: data.subarray(p, p + len), end: p + len };
}

export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  return tlv(0x30, concat(new Uint8Array([0x02, 0x01, 0x00]), RSA_ALGORITHM_ID, tlv(0x04, pkcs1)));
}

export function pkcs8ToPkcs1(pkcs8: Uint8Array): Uint8Array {
  const outer = readTlv(pkcs8, 0);
  const version = readTlv(outer.body, 0);
  const algorithm = readTlv(outer.body, version.end);
  const key = readTlv(outer.body, algorithm.end);
  if (outer.tag !== 0x30 || key.tag !== 0x04) throw new CryptoFormatError("not a PKCS#8 RSA key");
  return key.body.slice();
}

function pkcs1PublicToSpki(pkcs1: Uint8Array): Uint8Array {
  return tlv(0x30, concat(RSA_ALGORITHM_ID, tlv(0x03, concat(new Uint8Array([0]), pkcs1))));
}

function stdB64(data: Uint8Array): string {
  return b64encode(data).replace(/-/g, "+").replace(/_/g, "/");
}

export function toPem(label: string, der: Uint8Array): string {
  const text = stdB64(der);
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 64) lines.push(text.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export function fromPem(pem: string): { label: string; der: Uint8Array } {
  const match = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!match) throw new CryptoFormatError("not a PEM key");
  const body = match[2]!.replace(/\s+/g, "").replace(/\+/g, "-").replace(/\//g, "_");
  return { label: match[1]!, der: b64decode(body) };
}

export function publicKeyDer(pem: string): Uint8Array {
  const { label, der } = fromPem(pem);
  if (label === "PUBLIC KEY") return der;
  if (label === "RSA PUBLIC KEY") return pkcs1PublicToSpki(der);
  throw new CryptoFormatError("not a PEM RSA public key");
}

export function privateKeyDer(pem: string): Uint8Array {
  const { label, der } = fromPem(pem);
  if (label === "RSA PRIVATE KEY") return pkcs1ToPkcs8(der);
  if (label === "PRIVATE KEY") return der;
  throw new CryptoFormatError("not a PEM RSA private key");
}

const OAEP = { name: "RSA-OAEP", hash: "SHA-1" } as const;
const PKCS1_SIGN = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** A private key loaded for both uses (decrypt with OAEP, sign with PKCS#1 v1.5) and its size. */
export interface PrivateKey {
  decrypt: CryptoKey;
  sign: CryptoKey;
  bits: number;
}

export async function importPrivateKey(pem: string): Promise<PrivateKey> {
  const der = privateKeyDer(pem);
  try {
    const decrypt = await subtle().importKey("pkcs8", der, OAEP, false, ["decrypt"]);
    const sign = await subtle().importKey("pkcs8", der, PKCS1_SIGN, false, ["sign"]);
    return { decrypt, sign, bits: (decrypt.algorithm as RsaHashedKeyAlgorithm).modulusLength };
  } catch {
    throw new CryptoFormatError("not an RSA private key");
  }
}

/** The public key (SPKI PEM) of a private key, computed from the private key itself (its modulus and
 * exponent), so that a stored copy of the public half cannot be swapped unnoticed. */
export async function publicPemOf(privatePem: string): Promise<string> {
  let jwk: JsonWebKey;
  try {
    jwk = await subtle().exportKey("jwk", await subtle().importKey("pkcs8", privateKeyDer(privatePem), OAEP, true, ["decrypt"]));
  } catch {
    throw new CryptoFormatError("not an RSA private key");
  }
  const pub = await subtle().importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: jwk.alg, ext: true }, OAEP, true, ["encrypt"]);
  return toPem("PUBLIC KEY", new Uint8Array(await subtle().exportKey("spki", pub)));
}

export async function importPublicKey(pem: string, use: "encrypt" | "verify" = "encrypt"): Promise<CryptoKey> {
  const der = publicKeyDer(pem);
  try {
    return await subtle().importKey("spki", der, use === "encrypt" ? OAEP : PKCS1_SIGN, false, [use]);
  } catch {
    throw new CryptoFormatError("not an RSA public key");
  }
}

export interface KeyPair {
  privatePem: string;
  publicPem: string;
}

/** A new RSA key pair (e = 65537) as PEM: PKCS#1 private, SPKI public, as strongroom.crypto writes them. */
export async function generateKeypair(bits = 4096): Promise<KeyPair> {
  const pair = await subtle().generateKey(
    { ...OAEP, modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["encrypt", "decrypt"],
  );
  const pkcs8 = new Uint8Array(await subtle().exportKey("pkcs8", pair.privateKey));
  const spki = new Uint8Array(await subtle().exportKey("spki", pair.publicKey));
  return { privatePem: toPem("RSA PRIVATE KEY", pkcs8ToPkcs1(pkcs8)), publicPem: toPem("PUBLIC KEY", spki) };
}

/** 12 groups of 5 decimal digits from SHA-512 of the SPKI DER (strongroom.crypto.fingerprint). */
export async function fingerprint(publicPem: string): Promise<string> {
  const der = publicKeyDer(publicPem);
  await importPublicKey(publicPem); // a PEM that is not an RSA key has no fingerprint
  const digest = new Uint8Array(await subtle().digest("SHA-512", der));
  const groups: string[] = [];
  for (let i = 0; i < 60; i += 5) {
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + digest[i + j]!;
    groups.push(String(n % 100000).padStart(5, "0"));
  }
  return groups.join(" ");
}
