// Invitations and connections: a fresh RSA-4096 keypair per side, nicknames under the private DEK,
// fingerprints computed here from the keys themselves (not trusted from the Vault).
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

async function toConnection(core: Core, r: Json): Promise<Connection> {
  return {
    id: r.id as string,
    userId: str(r, "user_id"),
    nickname: await nickname(core, str(r, "encrypted_recipient_name")),
    userName: str(r, "user_name"),
    userEmail: str(r, "user_email"),
    myFingerprint: await localFingerprint(str(r, "public_key")),
    theirFingerprint: await localFingerprint(str(r, "other_user_connection_public_key")),
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

export async function acceptInvitation(core: Core, token: string, input: { nickname?: string; invitationId?: string }): Promise<Connection> {
  const publicKeyId = await newConnectionKeypair(core, "accept_invitation");
  core.step("accept_invitation", "Accepting the invitation");
  const body: Json = { public_key_id: publicKeyId, encrypted_recipient_name: await encryptedName(core, input.nickname || "inviter"), invitation_token: token };
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

export async function deleteConnection(core: Core, id: string): Promise<void> {
  await core.vault.call("DELETE", `/connections/${seg(id)}`, { expectBody: false });
}

export async function rawConnection(core: Core, id: string): Promise<Json> {
  return obj(await core.vault.call("GET", `/connections/${seg(id)}`), "connection", "GET /connections/{id}");
}
