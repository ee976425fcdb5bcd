// Sign up (steps 1-8), log in, unlock (resume with the tokens), log out: what strongroom.client does.
import * as c from "../crypto";
import { type Core, type Credentials } from "./core";
import { ApiError, type Json, ProtocolError, need, obj } from "./http";

export const LOGIN_KEYPAIR_ID = "auth";
/** How this client names itself in the session lists of both services. */
export const CLIENT_NAME = "Strongroom Web";

export class WrongPassphrase extends Error {
  constructor(message = "wrong passphrase or secret key") {
    super(message);
    this.name = "WrongPassphrase";
  }
}

export class InvalidSecretKey extends Error {
  constructor() {
    super("the secret key is malformed (expected 1.<username>.<secret>)");
    this.name = "InvalidSecretKey";
  }
}

function usernameOf(secretKey: string): string {
  try {
    return c.parseSecretKey(secretKey).username;
  } catch {
    throw new InvalidSecretKey();
  }
}

/** `invitationToken`: the token of the invitation link the person came from (servers that admit sign-ups by
 * invitation only need it; others ignore it). */
export async function signUp(
  core: Core,
  passphrase: string,
  profile: { fullName?: string; email?: string },
  invitationToken?: string,
): Promise<Credentials> {
  const flow = "sign_up";
  core.step(flow, "Reserving a username and making your secret key");
  const reservation = await core.keystore.call("POST", "/srp/username", { body: {}, auth: false });
  const username = need(reservation, "username", "POST /srp/username");
  const secretKey = c.generateSecretKey(username);
  // RSA-4096 generation is the slowest step: start it now, beside the network steps.
  core.step(flow, "Generating your RSA-4096 login key pair", true);
  const keypairJob = c.generateKeypair();
  keypairJob.catch(() => undefined);
  core.step(flow, "Deriving the SRP password and registering the verifier", true);
  const srpPassword = await c.deriveSrpPassword(passphrase, secretKey);
  const { salt, verifier } = await c.createVerifier(username, srpPassword);
  await core.keystore.call("POST", "/srp/users", { body: { username, srp_salt: salt, srp_verifier: verifier }, auth: false });
  core.step(flow, "Logging in to the Keystore (SRP)");
  const keystoreToken = await srpLogin(core, username, srpPassword);
  core.keystore.token = keystoreToken;
  core.step(flow, "Obtaining a Vault admission token");
  const admission = await core.keystore.call("GET", "/external_admission_tokens");
  const admissionToken = need(obj(admission, "external_admission_token", "GET /external_admission_tokens"), "vault_api_admission_token", "GET /external_admission_tokens");
  core.step(flow, "Deriving the PDK and storing the wrapped KEK", true);
  const pdk = await c.derivePdk(passphrase, secretKey);
  const kek = c.generateKey();
  await core.keystore.call("POST", "/key_encryption_key", { body: { serialized_key_encryption_key: await c.wrapKey(pdk, kek) } });
  // The private DEK needs only the KEK: store it while the key pair may still be generating.
  core.step(flow, "Making your private data key");
  const dek = c.generateKey();
  const dekRecord = obj(
    await core.keystore.call("POST", "/data_encryption_keys", { body: { serialized_data_encryption_key: await c.wrapKey(kek, dek) } }),
    "data_encryption_key",
    "POST /data_encryption_keys",
  );
  const dekId = need(dekRecord, "id", "POST /data_encryption_keys");
  core.step(flow, "Storing the wrapped login key pair and creating the Vault account", true);
  const keypair = await keypairJob;
  // Independent requests: the Keystore keeps the wrapped pair while the Vault opens the account.
  const [, me] = await Promise.all([
    core.keystore.call("POST", "/keypairs", {
      body: {
        public_key: keypair.publicPem,
        encrypted_serialized_key: await c.wrapPrivateKey(kek, keypair.privatePem),
        metadata: {},
        external_identifiers: [LOGIN_KEYPAIR_ID],
      },
    }),
    core.vault.call("POST", "/me", {
      body: { public_key: keypair.publicPem, admission_token: admissionToken, client_name: CLIENT_NAME, ...(invitationToken ? { invitation_token: invitationToken } : {}) },
      auth: false,
    }),
  ]);
  const vaultToken = await openVaultToken(keypair.privatePem, need(me, "encrypted_session_authentication_string", "POST /me"));
  core.vault.token = vaultToken;
  const user = obj(me, "user", "POST /me");
  core.step(flow, "Recording your private data key in the Vault");
  const fields: Json = { private_encryption_space_id: dekId };
  if (profile.fullName) fields.full_name = profile.fullName;
  if (profile.email) fields.email = profile.email;
  await core.vault.call("PUT", "/me", { body: { user: fields } });
  core.keys = { kek, privateDek: dek, privateDekId: dekId, connectionKeys: new Map(), spaceKeys: new Map() };
  core.credentials = { username, secretKey, keystoreToken, vaultToken, vaultUserId: need(user, "id", "POST /me") };
  return core.credentials;
}

export async function logIn(core: Core, secretKey: string, passphrase: string): Promise<Credentials> {
  const flow = "log_in";
  const username = usernameOf(secretKey);
  core.step(flow, "Deriving keys from your passphrase", true);
  const pdkJob = c.derivePdk(passphrase, secretKey);
  pdkJob.catch(() => undefined);
  const srpPassword = await c.deriveSrpPassword(passphrase, secretKey);
  core.step(flow, "Logging in to the Keystore (SRP)");
  const keystoreToken = await srpLogin(core, username, srpPassword);
  const pdk = await pdkJob;
  core.keystore.token = keystoreToken;
  const kek = await openKek(core, pdk);
  core.step(flow, "Opening a Vault session with your login key");
  const login = obj(await core.keystore.call("GET", `/keypairs/external_id/${LOGIN_KEYPAIR_ID}`), "keypair", "GET /keypairs/external_id");
  const privatePem = await c.unwrapPrivateKey(kek, need(login, "encrypted_serialized_key", "GET /keypairs/external_id"));
  const session = obj(
    await core.vault.call("POST", "/session", { body: { public_key: need(login, "public_key", "GET /keypairs/external_id"), client_name: CLIENT_NAME }, auth: false }),
    "session",
    "POST /session",
  );
  const vaultToken = await openVaultToken(privatePem, need(session, "encrypted_session_authentication_string", "POST /session"));
  core.vault.token = vaultToken;
  const vaultUserId = await loadPrivateDek(core, kek);
  core.credentials = { username, secretKey, keystoreToken, vaultToken, vaultUserId };
  return core.credentials;
}

/** Unlock: the passphrase opens the KEK again with the session tokens kept in memory. */
export async function unlock(core: Core, passphrase: string): Promise<void> {
  const credentials = core.credentials;
  if (!credentials) throw new ProtocolError("nothing to unlock: log in");
  core.step("unlock", "Deriving the key from your passphrase", true);
  const pdk = await c.derivePdk(passphrase, credentials.secretKey);
  core.useTokens(credentials.keystoreToken, credentials.vaultToken);
  const kek = await openKek(core, pdk);
  await loadPrivateDek(core, kek);
}

export async function logOut(core: Core): Promise<void> {
  try {
    for (const service of [core.keystore, core.vault]) {
      if (service.token === null) continue;
      try {
        await service.call("DELETE", "/session", { expectBody: false });
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 401)) throw e;
      }
    }
  } finally {
    core.keys = null;
    core.credentials = null;
    core.useTokens(null, null);
  }
}

export interface Profile {
  id: string;
  fullName: string | null;
  email: string | null;
  /** When the current email was verified (servers that verify addresses), else null. */
  verifiedAt: string | null;
}

export async function me(core: Core): Promise<Profile> {
  const user = obj(await core.vault.call("GET", "/me"), "user", "GET /me");
  return {
    id: need(user, "id", "GET /me"),
    fullName: (user.full_name as string | null) ?? null,
    email: (user.email as string | null) ?? null,
    verifiedAt: (user.verified_at as string | null) ?? null,
  };
}

/** Mail a verification code to the account's address (or to `email`, which becomes the address). */
export async function requestEmailVerification(core: Core, email?: string): Promise<string | null> {
  const data = await core.vault.call("POST", "/me/email_verification", { body: email ? { email } : {} });
  const pending = data.email_verification as Json | undefined;
  return pending && typeof pending.email === "string" ? pending.email : null;
}

export async function confirmEmail(core: Core, code: string): Promise<void> {
  await core.vault.call("POST", "/me/email_verification/confirm", { body: { code } });
}

export async function updateProfile(core: Core, fields: { full_name?: string; email?: string }): Promise<void> {
  await core.vault.call("PUT", "/me", { body: { user: fields } });
}

async function srpLogin(core: Core, username: string, srpPassword: Uint8Array): Promise<string> {
  const client = new c.SrpClient(username, srpPassword);
  const srpA = client.publicAHex();
  const challenge = obj(await core.keystore.call("POST", "/srp/challenges", { body: { username, srp_a: srpA }, auth: false }), "challenge", "POST /srp/challenges");
  let srpM: string;
  try {
    srpM = await client.processChallenge(need(challenge, "challenge_salt", "challenge"), need(challenge, "challenge_b", "challenge"));
  } catch {
    throw new ProtocolError("the Keystore's SRP challenge is malformed");
  }
  try {
    const session = obj(await core.keystore.call("POST", "/srp/session", { body: { username, srp_a: srpA, srp_m: srpM, client_name: CLIENT_NAME }, auth: false }), "session", "POST /srp/session");
    return need(session, "session_authentication_string", "POST /srp/session");
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw new WrongPassphrase("wrong passphrase or secret key: the Keystore refused the login");
    throw e;
  }
}

async function openKek(core: Core, pdk: Uint8Array): Promise<Uint8Array> {
  const record = obj(await core.keystore.call("GET", "/key_encryption_key"), "key_encryption_key", "GET /key_encryption_key");
  try {
    return await c.unwrapKey(pdk, need(record, "serialized_key_encryption_key", "GET /key_encryption_key"));
  } catch {
    throw new WrongPassphrase("wrong passphrase: it does not open your key encryption key");
  }
}

async function loadPrivateDek(core: Core, kek: Uint8Array): Promise<string> {
  const user = obj(await core.vault.call("GET", "/me"), "user", "GET /me");
  const spaceId = user.private_encryption_space_id;
  if (typeof spaceId !== "string" || !spaceId) throw new ProtocolError("the Vault account has no private encryption space");
  const record = obj(await core.keystore.call("GET", `/data_encryption_keys/${encodeURIComponent(spaceId)}`), "data_encryption_key", "GET /data_encryption_keys");
  const dek = await c.unwrapKey(kek, need(record, "serialized_data_encryption_key", "GET /data_encryption_keys"));
  core.keys = { kek, privateDek: dek, privateDekId: need(record, "id", "dek"), connectionKeys: new Map(), spaceKeys: new Map() };
  return need(user, "id", "GET /me");
}

export async function openVaultToken(privatePem: string, encrypted: string): Promise<string> {
  const key = await c.importPrivateKey(privatePem);
  return c.fromUtf8(await c.decryptWithPrivateKey(key, encrypted));
}
