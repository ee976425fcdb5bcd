// PBKDF2-HMAC-SHA256, the secret key, and the two passphrase derivations (PDK and the SRP password).
import { CryptoFormatError, base58Encode, isBase58, latin1ToUtf8, randomBytes, utf8 } from "./encoding";

export const PDK_ITERATIONS = 100_000;

export async function pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Promise<Uint8Array> {
  const base = await globalThis.crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  const bits = await globalThis.crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base, length * 8);
  return new Uint8Array(bits);
}

export interface SecretKey {
  version: string;
  username: string;
  secret: string;
}

/** Parse `1.<username>.<readable>`; the error never repeats the key. */
export function parseSecretKey(text: string): SecretKey {
  if (typeof text !== "string" || text.length > 1024) throw new CryptoFormatError("invalid secret key");
  const parts = text.trim().split(".");
  if (parts.length !== 3) throw new CryptoFormatError("a secret key has exactly three '.'-separated parts");
  const [version, username, readable] = parts as [string, string, string];
  if (!/^[0-9]+$/.test(version)) throw new CryptoFormatError("invalid secret key version");
  if (!username || /\s/.test(username)) throw new CryptoFormatError("invalid secret key username");
  const groups = readable.split("-");
  if (groups.some((g) => g === "")) throw new CryptoFormatError("invalid secret key: empty group");
  const secret = groups.join("");
  if (!isBase58(secret)) throw new CryptoFormatError("invalid secret key: not Base58");
  return { version, username, secret };
}

export function generateSecretKey(username: string): string {
  if (!username || username.includes(".") || /\s/.test(username)) throw new RangeError("invalid username");
  const readable = base58Encode(randomBytes(32));
  const groups: string[] = [];
  for (let i = 0; i < readable.length; i += 6) groups.push(readable.slice(i, i + 6));
  return `1.${username}.${groups.join("-")}`;
}

export async function derivePdk(passphrase: string, secretKey: string): Promise<Uint8Array> {
  const { secret } = parseSecretKey(secretKey);
  return pbkdf2(utf8(passphrase), utf8(secret), PDK_ITERATIONS, 32);
}

export async function deriveSrpPassword(passphrase: string, secretKey: string): Promise<Uint8Array> {
  const { secret } = parseSecretKey(secretKey);
  const reversed = [...secret].reverse().join("");
  return latin1ToUtf8(await pbkdf2(utf8(passphrase), utf8(reversed), PDK_ITERATIONS, 32));
}
