// Cryppo strings, byte-compatible with strongroom.crypto and @meeco/cryppo 2.0.2:
//   Aes256Gcm.<b64 ct>.<b64 "A"+BSON{iv,at,ad}>[.Pbkdf2Hmac.<b64 "K"+BSON{iv,i,l,hash}>]
//   Rsa<bits>.<b64 OAEP-SHA1 ct>.QQUAAAAA
//   Sign.Rsa<bits>.<b64 sig>.<b64 data>  (RSASSA-PKCS1-v1_5 / SHA-256)
import { decodeDocument, encodeDocument } from "./bson";
import { CryptoFormatError, b64decode, b64encode, concat, fromUtf8, randomBytes, utf8 } from "./encoding";
import { importPublicKey, type PrivateKey } from "./keys";
import { pbkdf2 } from "./kdf";

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

export const AES = "Aes256Gcm";
export const KEY_LENGTH = 32;
export const PASSPHRASE_ITERATIONS = 20_000;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const MAX_ITERATIONS = 10_000_000;
export const RSA_ARTEFACTS = b64encode(concat(utf8("A"), encodeDocument([])));

export class DecryptionError extends Error {
  constructor() {
    super("decryption failed: wrong key or tampered data");
    this.name = "DecryptionError";
  }
}

export class SignatureError extends Error {
  constructor() {
    super("the signature does not verify");
    this.name = "SignatureError";
  }
}

export function generateKey(): Uint8Array {
  return randomBytes(KEY_LENGTH);
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) {
    throw new CryptoFormatError(`a symmetric key must be ${KEY_LENGTH} bytes`);
  }
}

async function aesKey(raw: Uint8Array, use: KeyUsage): Promise<CryptoKey> {
  checkKey(raw);
  return subtle().importKey("raw", raw, "AES-GCM", false, [use]);
}

interface Parsed {
  strategy: string;
  ciphertext: Uint8Array;
  iv: Uint8Array;
  tag: Uint8Array;
  ad: string;
  derivation: { salt: Uint8Array; iterations: number; length: number } | null;
}

function rsaBits(strategy: string): number | null {
  const m = /^Rsa([1-9][0-9]{3,4})$/.exec(strategy);
  if (!m) return null;
  const bits = Number(m[1]);
  return bits >= 1024 && bits <= 16384 ? bits : null;
}

function artefacts(text: string, version: string): Map<string, unknown> {
  const raw = b64decode(text);
  if (raw[0] !== version.charCodeAt(0)) throw new CryptoFormatError("unknown artefacts version");
  return decodeDocument(raw.subarray(1));
}

function parseAes(serialized: string): Parsed {
  if (typeof serialized !== "string") throw new CryptoFormatError("an encrypted string must be a string");
  const parts = serialized.split(".");
  if (parts.length !== 3 && parts.length !== 5) {
    throw new CryptoFormatError("an encrypted string has 3 parts (or 5 with key derivation)");
  }
  if (parts[0] !== AES) throw new CryptoFormatError("expected an Aes256Gcm encrypted string");
  const ciphertext = b64decode(parts[1]!);
  const fields = artefacts(parts[2]!, "A");
  const iv = fields.get("iv");
  const tag = fields.get("at");
  const ad = fields.get("ad");
  if (fields.size !== 3 || !(iv instanceof Uint8Array) || iv.length !== IV_LENGTH) {
    throw new CryptoFormatError("Aes256Gcm artefacts must hold a 12-byte iv, at and ad");
  }
  if (!(tag instanceof Uint8Array) || tag.length !== TAG_LENGTH || typeof ad !== "string") {
    throw new CryptoFormatError("Aes256Gcm artefacts must hold a 16-byte tag and a string ad");
  }
  let derivation: Parsed["derivation"] = null;
  if (parts.length === 5) {
    if (parts[3] !== "Pbkdf2Hmac") throw new CryptoFormatError("unknown key derivation strategy");
    const d = artefacts(parts[4]!, "K");
    const salt = d.get("iv");
    const iterations = d.get("i");
    const length = d.get("l");
    const hash = d.get("hash") ?? "SHA256";
    if (!(salt instanceof Uint8Array) || salt.length < 1 || salt.length > 1024) {
      throw new CryptoFormatError("invalid key derivation salt");
    }
    if (typeof iterations !== "number" || iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new CryptoFormatError("invalid key derivation iteration count");
    }
    if (length !== KEY_LENGTH) throw new CryptoFormatError("derived key length must be 32");
    if (typeof hash !== "string" || hash.toUpperCase() !== "SHA256") {
      throw new CryptoFormatError("unsupported key derivation hash");
    }
    derivation = { salt, iterations, length };
  }
  return { strategy: AES, ciphertext, iv, tag, ad, derivation };
}

function aesArtefacts(iv: Uint8Array, tag: Uint8Array): string {
  return b64encode(concat(utf8("A"), encodeDocument([["iv", iv], ["at", tag], ["ad", "none"]])));
}

async function seal(key: Uint8Array, plaintext: Uint8Array): Promise<string> {
  const iv = randomBytes(IV_LENGTH);
  const cipher = await aesKey(key, "encrypt");
  const sealed = new Uint8Array(
    await subtle().encrypt({ name: "AES-GCM", iv, additionalData: utf8("none"), tagLength: 128 }, cipher, plaintext),
  );
  const ct = sealed.subarray(0, sealed.length - TAG_LENGTH);
  return `${AES}.${b64encode(ct)}.${aesArtefacts(iv, sealed.subarray(sealed.length - TAG_LENGTH))}`;
}

async function open(key: Uint8Array, p: Parsed): Promise<Uint8Array> {
  const cipher = await aesKey(key, "decrypt");
  try {
    return new Uint8Array(
      await subtle().decrypt(
        { name: "AES-GCM", iv: p.iv, additionalData: utf8(p.ad), tagLength: 128 },
        cipher,
        concat(p.ciphertext, p.tag),
      ),
    );
  } catch {
    throw new DecryptionError();
  }
}

export function encryptWithKey(key: Uint8Array, plaintext: Uint8Array): Promise<string> {
  return seal(key, plaintext);
}

export function decryptWithKey(key: Uint8Array, serialized: string): Promise<Uint8Array> {
  return open(key, parseAes(serialized));
}

/** UTF-8 text under a key; "" and null give null (cryppo's empty value). */
export async function encryptText(key: Uint8Array, text: string | null | undefined): Promise<string | null> {
  if (!text) return null;
  return seal(key, utf8(text));
}

export async function decryptText(key: Uint8Array, serialized: string | null | undefined): Promise<string | null> {
  if (serialized === null || serialized === undefined) return null;
  const plain = await decryptWithKey(key, serialized);
  return plain.length ? fromUtf8(plain) : null;
}

export function wrapKey(kek: Uint8Array, key: Uint8Array): Promise<string> {
  checkKey(key);
  return seal(kek, key);
}

export async function unwrapKey(kek: Uint8Array, serialized: string): Promise<Uint8Array> {
  const key = await decryptWithKey(kek, serialized);
  checkKey(key);
  return key;
}

export function wrapPrivateKey(kek: Uint8Array, privatePem: string): Promise<string> {
  if (!privatePem.includes("PRIVATE KEY-----")) throw new CryptoFormatError("not a PEM private key");
  return seal(kek, utf8(privatePem));
}

export async function unwrapPrivateKey(kek: Uint8Array, serialized: string): Promise<string> {
  const pem = fromUtf8(await decryptWithKey(kek, serialized));
  if (!pem.includes("PRIVATE KEY-----")) throw new CryptoFormatError("unwrapped value is not a PEM private key");
  return pem;
}

export async function encryptWithPublicKey(publicPem: string, plaintext: Uint8Array): Promise<string> {
  const key = await importPublicKey(publicPem);
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  const ct = new Uint8Array(await subtle().encrypt({ name: "RSA-OAEP" }, key, plaintext));
  return `Rsa${bits}.${b64encode(ct)}.${RSA_ARTEFACTS}`;
}

export async function decryptWithPrivateKey(key: PrivateKey, serialized: string): Promise<Uint8Array> {
  const parts = typeof serialized === "string" ? serialized.split(".") : [];
  const bits = parts.length === 3 ? rsaBits(parts[0]!) : null;
  if (bits === null) throw new CryptoFormatError("expected an RSA encrypted string");
  const ct = b64decode(parts[1]!);
  if (ct.length !== (bits + 7) >> 3) throw new CryptoFormatError("RSA ciphertext length does not match");
  const fields = artefacts(parts[2]!, "A");
  for (const value of fields.values()) {
    if (!(value === "" || (value instanceof Uint8Array && value.length === 0))) {
      throw new CryptoFormatError("RSA artefacts must be empty");
    }
  }
  if (key.bits !== bits) throw new DecryptionError();
  try {
    return new Uint8Array(await subtle().decrypt({ name: "RSA-OAEP" }, key.decrypt, ct));
  } catch {
    throw new DecryptionError();
  }
}

export async function encryptWithPassphrase(
  passphrase: string,
  plaintext: Uint8Array,
  iterations = PASSPHRASE_ITERATIONS,
): Promise<string> {
  const salt = randomBytes(20);
  const key = await pbkdf2(utf8(passphrase), salt, iterations, KEY_LENGTH);
  const derivation = b64encode(
    concat(utf8("K"), encodeDocument([["iv", salt], ["i", iterations], ["l", KEY_LENGTH], ["hash", "SHA256"]])),
  );
  return `${await seal(key, plaintext)}.Pbkdf2Hmac.${derivation}`;
}

export async function decryptWithPassphrase(passphrase: string, serialized: string): Promise<Uint8Array> {
  const parsed = parseAes(serialized);
  if (!parsed.derivation) throw new CryptoFormatError("expected passphrase derivation artefacts");
  const d = parsed.derivation;
  return open(await pbkdf2(utf8(passphrase), d.salt, d.iterations, d.length), parsed);
}

export async function sign(key: PrivateKey, data: Uint8Array): Promise<string> {
  const signature = new Uint8Array(await subtle().sign({ name: "RSASSA-PKCS1-v1_5" }, key.sign, data));
  return `Sign.Rsa${key.bits}.${b64encode(signature)}.${b64encode(data)}`;
}

export async function verify(publicPem: string, serialized: string): Promise<Uint8Array> {
  const parts = serialized.split(".");
  const bits = parts.length === 4 && parts[0] === "Sign" ? rsaBits(parts[1]!) : null;
  if (bits === null) throw new CryptoFormatError("a signature has the form Sign.<strategy>.<signature>.<data>");
  const signature = b64decode(parts[2]!);
  const data = b64decode(parts[3]!);
  const key = await importPublicKey(publicPem, "verify");
  if ((key.algorithm as RsaHashedKeyAlgorithm).modulusLength !== bits) throw new SignatureError();
  if (!(await subtle().verify({ name: "RSASSA-PKCS1-v1_5" }, key, signature, data))) throw new SignatureError();
  return data;
}
