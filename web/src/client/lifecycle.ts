// An account's later life, as strongroom.client._lifecycle does it: a new passphrase or secret key (one
// Keystore request each), KEK rotation, and deleting the account from both services. Each change the
// Keystore makes is one request and one transaction: after any failure the old or the new credentials
// open the account, never neither.
import * as c from "../crypto";
import { CLIENT_NAME, LOGIN_KEYPAIR_ID, WrongPassphrase, openVaultToken } from "./account";
import { type Core, iso } from "./core";
import { ApiError, type Json, ProtocolError, type ServiceApi, need, obj } from "./http";

/** How often a rotation starts again from fresh reads when a key was added meanwhile (as the SDK). */
export const ROTATION_ATTEMPTS = 3;
const PAGE = 200;

/** The new secret key names another username than the account's. */
export class SecretKeyMismatch extends Error {
  constructor() {
    super("the new secret key must name the same username as the account");
    this.name = "SecretKeyMismatch";
  }
}

/** The Keystore refused the fresh proof (`login_failed`): the passphrase typed is not the account's. */
function refusedProof(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401 && e.code === "login_failed";
}

function credentials(core: Core): { username: string; secretKey: string } {
  if (!core.credentials) throw new ProtocolError("not logged in");
  return core.credentials;
}

/** `(srp_a, srp_m)` for a new challenge of one's own username: re-authentication. */
async function freshProof(core: Core, srpPassword: Uint8Array): Promise<{ srp_a: string; srp_m: string }> {
  const { username } = credentials(core);
  const client = new c.SrpClient(username, srpPassword);
  const srpA = client.publicAHex();
  const challenge = obj(
    await core.keystore.call("POST", "/srp/challenges", { body: { username, srp_a: srpA }, auth: false }),
    "challenge",
    "POST /srp/challenges",
  );
  try {
    return { srp_a: srpA, srp_m: await client.processChallenge(need(challenge, "challenge_salt", "challenge"), need(challenge, "challenge_b", "challenge")) };
  } catch {
    throw new ProtocolError("the Keystore's SRP challenge is malformed");
  }
}

async function kekRecord(core: Core): Promise<{ id: string; serialized: string }> {
  const record = obj(await core.keystore.call("GET", "/key_encryption_key"), "key_encryption_key", "GET /key_encryption_key");
  return { id: need(record, "id", "GET /key_encryption_key"), serialized: need(record, "serialized_key_encryption_key", "GET /key_encryption_key") };
}

async function replaceCredentials(core: Core, oldPass: string, oldKey: string, newPass: string, newKey: string, endOtherSessions: boolean): Promise<void> {
  const kek = core.ring().kek;
  const { username } = credentials(core);
  core.step("change_credentials", "Deriving the SRP password", true);
  const oldSrp = await c.deriveSrpPassword(oldPass, oldKey);
  core.step("change_credentials", "Deriving the new keys", true);
  const newPdk = await c.derivePdk(newPass, newKey);
  const newSrp = await c.deriveSrpPassword(newPass, newKey);
  const { salt, verifier } = await c.createVerifier(username, newSrp);
  const record = await kekRecord(core);
  core.step("change_credentials", "Proving your current passphrase to the Keystore (SRP)");
  const proof = await freshProof(core, oldSrp);
  try {
    await core.keystore.call("PUT", "/users/me/credentials", {
      body: {
        ...proof,
        srp_salt: salt,
        srp_verifier: verifier,
        key_encryption_key_id: record.id,
        serialized_key_encryption_key: await c.wrapKey(newPdk, kek),
        end_other_sessions: endOtherSessions,
      },
    });
  } catch (e) {
    if (refusedProof(e)) throw new WrongPassphrase("wrong passphrase: the Keystore refused the proof");
    throw e;
  }
  // The Keystore ended its other sessions in the same transaction; the Vault's others go next.
  if (endOtherSessions) await core.vault.call("DELETE", "/sessions");
}

/** Replace the passphrase: the KEK re-wrapped under the new PDK and the SRP verifier replaced, in one Keystore
 * request authorized by a fresh proof with `old`. `endOtherSessions` ends every other session of both services. */
export async function changePassphrase(core: Core, old: string, next: string, endOtherSessions: boolean): Promise<void> {
  if (!next) throw new RangeError("the new passphrase must not be empty");
  const { secretKey } = credentials(core);
  await replaceCredentials(core, old, secretKey, next, secretKey, endOtherSessions);
}

/** A fresh secret key for the logged-in user (same username): saved by the person before it is sent. */
export function newSecretKey(core: Core): string {
  return c.generateSecretKey(credentials(core).username);
}

/** Replace the secret key by `next` (from `newSecretKey`, saved first); the passphrase stays. */
export async function rotateSecretKey(core: Core, passphrase: string, next: string, endOtherSessions: boolean): Promise<void> {
  const current = credentials(core);
  let username: string;
  try {
    username = c.parseSecretKey(next).username;
  } catch {
    throw new SecretKeyMismatch();
  }
  if (username !== current.username) throw new SecretKeyMismatch();
  await replaceCredentials(core, passphrase, current.secretKey, passphrase, next, endOtherSessions);
  if (core.credentials) core.credentials = { ...core.credentials, secretKey: next };
}

/** Every record of a Keystore list (`per_page` / `next_page_after`), as the SDK's `_every_page`. */
export async function everyPage(api: ServiceApi, path: string, key: string): Promise<Json[]> {
  const records: Json[] = [];
  let after: string | null = null;
  for (;;) {
    const params: Record<string, string | number> = { per_page: PAGE };
    if (after !== null) params.next_page_after = after;
    const data = await api.call("GET", path, { params });
    const page = data[key];
    if (!Array.isArray(page)) throw new ProtocolError(`GET ${path}: the answer has no ${key}`);
    records.push(...(page as Json[]));
    const following = data.next_page_after;
    if (typeof following !== "string" || !following) return records;
    after = following;
  }
}

/** The first of `keys` that opens `serialized` (AES-GCM tells), with what it opened. */
async function openAny<T>(keys: Uint8Array[], serialized: string, open: (key: Uint8Array, s: string) => Promise<T>): Promise<T> {
  for (const key of keys.slice(0, -1)) {
    try {
      return await open(key, serialized);
    } catch {
      // the next, older key
    }
  }
  return open(keys[keys.length - 1]!, serialized);
}

function openWith(pdk: Uint8Array, serialized: string): Promise<Uint8Array> {
  return c.unwrapKey(pdk, serialized).catch(() => {
    throw new WrongPassphrase("wrong passphrase: it does not open the key encryption key");
  });
}

interface Wrapped {
  deks: Json[];
  keypairs: Json[];
  copies: Json[];
}

async function readWrapped(core: Core): Promise<Wrapped> {
  const [deks, keypairs, copies] = await Promise.all([
    everyPage(core.keystore, "/data_encryption_keys", "data_encryption_keys"),
    everyPage(core.keystore, "/keypairs", "keypairs"),
    everyPage(core.keystore, "/encryption_spaces", "encryption_space_data_encryption_keys"),
  ]);
  return { deks, keypairs, copies };
}

const DEK = "serialized_data_encryption_key";
const PRIVATE = "encrypted_serialized_key";

/** Whether every key read opens under `kek`. */
async function allOpen(kek: Uint8Array, w: Wrapped): Promise<boolean> {
  const checks = [
    ...w.deks.map((d) => c.unwrapKey(kek, need(d, DEK, "GET /data_encryption_keys"))),
    ...w.copies.map((s) => c.unwrapKey(kek, need(s, DEK, "GET /encryption_spaces"))),
    ...w.keypairs.map((k) => c.unwrapPrivateKey(kek, need(k, PRIVATE, "GET /keypairs"))),
  ];
  return (await Promise.allSettled(checks)).every((r) => r.status === "fulfilled");
}

/** A new KEK, every DEK, keypair private key and space copy re-wrapped under it; the Keystore swaps them all
 * at once and ends every other session. A key added meanwhile makes it refuse (409) and the rotation starts
 * again from fresh reads, as the SDK does. One more thing the page checks, since its own background work
 * (client tasks, claims) may store a key wrapped under the old KEK just after the swap: every key opens under
 * the new one, else the rotation runs again, opening such a key with the old KEK still in memory. Returns how
 * many keys were re-wrapped. */
export async function rotateKeys(core: Core, passphrase: string): Promise<number> {
  const ring = core.ring();
  const { secretKey } = credentials(core);
  core.step("rotate_keys", "Deriving the SRP password", true);
  const srpPassword = await c.deriveSrpPassword(passphrase, secretKey);
  const pdk = await c.derivePdk(passphrase, secretKey);
  const older: Uint8Array[] = []; // KEKs replaced by this call, newest first
  let attempts = 0;
  for (let pass = 0; pass < 2 * ROTATION_ATTEMPTS; pass++) {
    core.step("rotate_keys", "Reading every key wrapped under the key encryption key");
    const record = await kekRecord(core);
    const openers = [await openWith(pdk, record.serialized), ...older];
    const w = await readWrapped(core);
    const kek = c.generateKey();
    const total = w.deks.length + w.keypairs.length + w.copies.length;
    core.step("rotate_keys", `Re-wrapping ${total} keys`);
    const rewrap = async (serialized: string): Promise<string> => c.wrapKey(kek, await openAny(openers, serialized, c.unwrapKey));
    const body: Json = {
      key_encryption_key_id: record.id,
      serialized_key_encryption_key: await c.wrapKey(pdk, kek),
      data_encryption_keys: await Promise.all(
        w.deks.map(async (d) => ({ id: need(d, "id", "GET /data_encryption_keys"), [DEK]: await rewrap(need(d, DEK, "GET /data_encryption_keys")) })),
      ),
      keypairs: await Promise.all(
        w.keypairs.map(async (k) => ({
          id: need(k, "id", "GET /keypairs"),
          [PRIVATE]: await c.wrapPrivateKey(kek, await openAny(openers, need(k, PRIVATE, "GET /keypairs"), c.unwrapPrivateKey)),
        })),
      ),
      encryption_spaces: await Promise.all(
        w.copies.map(async (s) => ({ encryption_space_id: need(s, "encryption_space_id", "GET /encryption_spaces"), [DEK]: await rewrap(need(s, DEK, "GET /encryption_spaces")) })),
      ),
    };
    core.step("rotate_keys", "Proving your passphrase and swapping the keys (SRP)");
    Object.assign(body, await freshProof(core, srpPassword));
    try {
      await core.keystore.call("PUT", "/key_encryption_key", { body });
    } catch (e) {
      if (refusedProof(e)) throw new WrongPassphrase("wrong passphrase: the Keystore refused the proof");
      const raced = e instanceof ApiError && e.status === 409 && (e.code === "keys_changed" || e.code === "key_encryption_key_changed");
      if (raced && ++attempts < ROTATION_ATTEMPTS) continue;
      throw e;
    }
    ring.kek = kek;
    await core.vault.call("DELETE", "/sessions"); // the Keystore ended its own others in the swap
    older.unshift(openers[0]!);
    core.step("rotate_keys", "Checking that every key opens under the new key encryption key");
    if (await allOpen(kek, await readWrapped(core))) return total;
  }
  throw new ProtocolError("keys kept arriving wrapped under the old key encryption key: rotate again");
}

/** While `fn` runs, a 401 from `api` is an answer to handle, not an ended session to report. */
async function quietly<T>(api: ServiceApi, fn: () => Promise<T>): Promise<T> {
  const handler = api.onUnauthorized;
  api.onUnauthorized = null;
  try {
    return await fn();
  } finally {
    api.onUnauthorized = handler;
  }
}

/** Delete the account from both services: the Vault first (a fresh signature by the login key), then the
 * Keystore (a fresh SRP proof). Nothing is deleted when `passphrase` is wrong; if the Keystore step fails,
 * running this again finishes it (the Vault's part is then gone already). Forgets every key and token. */
export async function deleteAccount(core: Core, passphrase: string): Promise<void> {
  const { secretKey } = credentials(core);
  core.step("delete_account", "Deriving the key from your passphrase", true);
  const pdk = await c.derivePdk(passphrase, secretKey);
  const kek = await openWith(pdk, (await kekRecord(core)).serialized);
  const srpPassword = await c.deriveSrpPassword(passphrase, secretKey);
  const login = obj(await core.keystore.call("GET", `/keypairs/external_id/${LOGIN_KEYPAIR_ID}`), "keypair", "GET /keypairs/external_id");
  const loginPem = await c.unwrapPrivateKey(kek, need(login, "encrypted_serialized_key", "GET /keypairs/external_id"));
  const privateKey = await c.importPrivateKey(loginPem);
  const signature = async (): Promise<string> =>
    c.sign(privateKey, c.utf8(`DELETE ${core.vault.baseUrl.replace(/\/+$/, "")}/me--request-timestamp=${iso(core.clock())}`));
  core.step("delete_account", "Deleting the Vault account (signed by your login key)");
  await quietly(core.vault, async () => {
    try {
      await core.vault.call("DELETE", "/me", { body: { request_signature: await signature() }, expectBody: false });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) throw e;
      // An expired session, or an account already gone: a new session tells which.
      const session = obj(await core.vault.call("POST", "/session", { body: { public_key: need(login, "public_key", "GET /keypairs/external_id"), client_name: CLIENT_NAME }, auth: false }), "session", "POST /session");
      core.vault.token = await openVaultToken(loginPem, need(session, "encrypted_session_authentication_string", "POST /session"));
      try {
        await core.vault.call("DELETE", "/me", { body: { request_signature: await signature() }, expectBody: false });
      } catch (again) {
        // Still refused: no Vault account opens with this key any more, only the Keystore part is left.
        if (!(again instanceof ApiError && again.status === 401)) throw again;
      }
    }
  });
  core.step("delete_account", "Deleting the Keystore account (fresh SRP proof)");
  const proof = await freshProof(core, srpPassword);
  try {
    await core.keystore.call("DELETE", "/users/me", { body: proof, expectBody: false });
  } catch (e) {
    if (refusedProof(e)) throw new WrongPassphrase("the Keystore refused the proof");
    throw e;
  }
  core.keys = null;
  core.credentials = null;
  core.useTokens(null, null);
}
