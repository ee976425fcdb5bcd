// Invitations and connections: a fresh RSA-4096 keypair per side, nicknames under the private DEK,
// fingerprints computed here, not trusted from the Vault: "mine" from the caller's own keypair (the Keystore
// copy opened with the KEK, as the SDK does), "theirs" from the key the Vault serves. When the Vault's copy of
// the caller's key is another key, the connection carries keyMismatch (the SDK's KeyMismatch) and no
// fingerprints, so that a key-swapping Vault cannot show numbers that look fine.
import * as c from "../crypto";
import { type Core, seg } from "./core";
import { type Json, obj, str } from "./http";

export interface Invitation {
  id: string;
  token: string | null;
  email: string | null;
  message: string | null;
  nickname: string | null;
  expiresAt: string | null;
  state: string | null;
}

export interface Connection {
  id: string;
  userId: string | null;
  nickname: string | null;
  userName: string | null;
  userEmail: string | null;
  myFingerprint: string | null;
  theirFingerprint: string | null;
  /** The Vault serves, as the caller's own key, a key that is not the caller's: do not trust this connection. */
  keyMismatch: boolean;
  keypairId: string | null;
  otherPublicKey: string | null;
  createdAt: string | null;
}

async function newConnectionKeypair(core: Core, flow: string): Promise<string> {
  const ring = core.ring();
  core.step(flow, "Generating an RSA-4096 key pair for this connection", true);
  const pair = await c.generateKeypair();
  core.step(flow, "Storing the private key, wrapped with your KEK, in the Keystore");
  const record = obj(
    await core.keystore.call("POST", "/keypairs", {
      body: { public_key: pair.publicPem, encrypted_serialized_key: await c.wrapPrivateKey(ring.kek, pair.privatePem), metadata: {}, external_identifiers: [] },
    }),
    "keypair",
    "POST /keypairs",
  );
  ring.connectionKeys.set(record.id as string, { key: await c.importPrivateKey(pair.privatePem), publicPem: pair.publicPem });
  core.step(flow, "Publishing the public key in the Vault");
  const published = obj(
    await core.vault.call("POST", "/key_store/public_keys", { body: { key_store_id: record.id, encryption_strategy: "Rsa4096", public_key: pair.publicPem } }),
    "public_key",
    "POST /key_store/public_keys",
  );
  return published.id as string;
}

async function nickname(core: Core, encrypted: string | null): Promise<string | null> {
  if (!encrypted) return null;
  try {
    return await c.decryptText(core.ring().privateDek, encrypted);
  } catch {
    return null; // written by another client under another key
  }
}

async function encryptedName(core: Core, name: string): Promise<string> {
  return (await core.encrypt(core.ring().privateDek, name)) as string;
}

async function toInvitation(core: Core, r: Json): Promise<Invitation> {
  return {
    id: r.id as string,
    token: str(r, "token"),
    email: str(r, "email"),
    message: str(r, "message"),
    nickname: await nickname(core, str(r, "encrypted_recipient_name")),
    expiresAt: str(r, "expires_at"),
    state: str(r, "state"),
  };
}

async function localFingerprint(pem: string | null): Promise<string | null> {
  if (!pem) return null;
  try {
    return await c.fingerprint(pem);
  } catch {
    return null;
  }
}

/** The fingerprint of the caller's own key for a connection, from the keypair itself; null when the Vault's
 * copy of that key is another key (a mismatch), or when the record names no keypair. */
async function ownFingerprint(core: Core, r: Json): Promise<{ mine: string | null; mismatch: boolean }> {
  const keypairId = str(r, "key_store_keypair_id");
  if (!keypairId) return { mine: null, mismatch: false };
  const mine = await c.fingerprint((await core.connectionKeypair(keypairId)).publicPem);
  return (await localFingerprint(str(r, "public_key"))) === mine ? { mine, mismatch: false } : { mine: null, mismatch: true };
}

async function toConnection(core: Core, r: Json): Promise<Connection> {
  const own = await ownFingerprint(core, r);
  return {
    id: r.id as string,
    userId: str(r, "user_id"),
    nickname: await nickname(core, str(r, "encrypted_recipient_name")),
    userName: str(r, "user_name"),
    userEmail: str(r, "user_email"),
    myFingerprint: own.mine,
    theirFingerprint: own.mismatch ? null : await localFingerprint(str(r, "other_user_connection_public_key")),
    keyMismatch: own.mismatch,
    keypairId: str(r, "key_store_keypair_id"),
    otherPublicKey: str(r, "other_user_connection_public_key"),
    createdAt: str(r, "created_at"),
  };
}

export async function invite(core: Core, input: { nickname?: string; email?: string; message?: string }): Promise<Invitation> {
  const publicKeyId = await newConnectionKeypair(core, "invite");
  core.step("invite", input.email ? "Creating the invitation (the Vault mails it)" : "Creating the invitation");
  const body: Json = { public_key_id: publicKeyId, encrypted_recipient_name: await encryptedName(core, input.nickname || input.email || "invitee") };
  if (input.email) body.email = input.email;
  if (input.message) body.message = input.message;
  return toInvitation(core, obj(await core.vault.call("POST", "/invitations", { body }), "invitation", "POST /invitations"));
}

export async function invitations(core: Core): Promise<Invitation[]> {
  const data = await core.pages("/invitations", ["invitations"]);
  return Promise.all(data.invitations!.map((r) => toInvitation(core, r)));
}

export async function cancelInvitation(core: Core, id: string): Promise<void> {
  await core.vault.call("DELETE", `/invitations/${seg(id)}`, { expectBody: false });
}

export interface InvitationPreview {
  id: string;
  userName: string | null;
  message: string | null;
  expiresAt: string | null;
}

/** Who invites with `token`, checked by the Vault exactly as accepting would check it (same errors: used,
 * expired, cancelled, unknown, one's own); changes nothing. */
export async function previewInvitation(core: Core, token: string, invitationId?: string): Promise<InvitationPreview> {
  const body: Json = { invitation_token: token };
  if (invitationId) body.invitation_id = invitationId;
  const r = obj(await core.vault.call("POST", "/connections/preview", { body }), "invitation", "POST /connections/preview");
  return { id: r.id as string, userName: str(r, "user_name"), message: str(r, "message"), expiresAt: str(r, "expires_at") };
}

/** Accept an invitation; it is checked first (previewInvitation), so a bad link fails before a key is made. */
export async function acceptInvitation(core: Core, token: string, input: { nickname?: string; invitationId?: string }): Promise<Connection> {
  core.step("accept_invitation", "Checking the invitation");
  const preview = await previewInvitation(core, token, input.invitationId);
  const publicKeyId = await newConnectionKeypair(core, "accept_invitation");
  core.step("accept_invitation", "Accepting the invitation");
  const name = input.nickname || preview.userName;
  const body: Json = { public_key_id: publicKeyId, invitation_token: token };
  if (name) body.encrypted_recipient_name = await encryptedName(core, name);
  if (input.invitationId) body.invitation_id = input.invitationId;
  return toConnection(core, obj(await core.vault.call("POST", "/connections", { body }), "connection", "POST /connections"));
}

export async function connections(core: Core): Promise<Connection[]> {
  const data = await core.pages("/connections", ["connections"]);
  return Promise.all(data.connections!.map((r) => toConnection(core, r)));
}

export async function connection(core: Core, id: string): Promise<Connection> {
  return toConnection(core, obj(await core.vault.call("GET", `/connections/${seg(id)}`), "connection", "GET /connections/{id}"));
}

/** Change the caller's private (encrypted) name for the other side of a connection. */
export async function renameConnection(core: Core, id: string, name: string): Promise<Connection> {
  const trimmed = name.trim();
  if (!trimmed) throw new Error("The nickname must not be empty.");
  const body = { encrypted_recipient_name: await encryptedName(core, trimmed) };
  return toConnection(core, obj(await core.vault.call("PATCH", `/connections/${seg(id)}`, { body }), "connection", "PATCH /connections/{id}"));
}

/** Disconnect: both records go and every share over it is revoked; the Vault then queues the clean-up tasks
 * (delete_keypair, delete_encryption_space) that the page runs (client/tasks.ts). */
export async function deleteConnection(core: Core, id: string): Promise<void> {
  await core.vault.call("DELETE", `/connections/${seg(id)}`, { expectBody: false });
}

export async function rawConnection(core: Core, id: string): Promise<Json> {
  return obj(await core.vault.call("GET", `/connections/${seg(id)}`), "connection", "GET /connections/{id}");
}
