// Shares: create (a fresh DEK and encryption space per share), read (claiming the DEK on first read),
// accept, change, revoke; and the work of the update_shares client task after an owner edit.
import * as c from "../crypto";
import { card as ownCard, ordered } from "./cards";
import { rawConnection } from "./connections";
import { type Core, isStatus, iso, seg } from "./core";
import { ApiError, type Json, ProtocolError, list, need, obj, str } from "./http";

export interface Share {
  id: string;
  cardId: string;
  cardLabel: string | null;
  slotId: string | null;
  connectionId: string | null;
  encryptionSpaceId: string | null;
  outgoing: boolean;
  terms: string | null;
  distributable: boolean;
  acceptance: string | null;
  parentShareId: string | null;
  expiresAt: string | null;
  createdAt: string | null;
}

export interface SharedSlot {
  id: string;
  name: string | null;
  label: string | null;
  slotTypeName: string | null;
  value: string | null;
  attachmentId: string | null;
}

export interface SharedCard {
  share: Share;
  label: string | null;
  templateLabel: string | null;
  slots: SharedSlot[];
}

export class AcceptanceRequired extends Error {
  constructor(readonly terms: string | null) {
    super("accept the terms of this share to see its values");
    this.name = "AcceptanceRequired";
  }
}

export class ShareUnavailable extends Error {
  constructor() {
    super("this share is not available: it expired, was revoked, or is not yours");
    this.name = "ShareUnavailable";
  }
}

export const ACCEPTANCE_PENDING = "acceptance_required";

function toShare(r: Json, item?: Json | null): Share {
  return {
    id: r.id as string,
    cardId: (r.shareable_id as string) ?? "",
    cardLabel: item ? str(item, "label") : null,
    slotId: str(r, "slot_id") ?? str(r, "slotable_id"),
    connectionId: str(r, "connection_id"),
    encryptionSpaceId: str(r, "encryption_space_id"),
    outgoing: r.outgoing === true,
    terms: str(r, "terms"),
    distributable: r.distributable === true,
    acceptance: str(r, "acceptance_required"),
    parentShareId: str(r, "parent_share_id"),
    expiresAt: str(r, "expires_at"),
    createdAt: str(r, "created_at"),
  };
}

function oneShare(data: Json, where: string): Json {
  if (data.share && typeof data.share === "object") return data.share as Json;
  const first = list(data, "shares")[0];
  if (!first) throw new ProtocolError(`${where}: the answer has no share`);
  return first;
}

export async function shares(core: Core, outgoing: boolean): Promise<Share[]> {
  const data = await core.pages("/shares", ["shares", "items"], { outgoing });
  const items = new Map(data.items!.map((i) => [i.id as string, i]));
  return data.shares!.map((s) => toShare(s, items.get(s.shareable_id as string)));
}

async function detail(core: Core, id: string): Promise<{ share: Json; item: Json | null; slots: Json[] }> {
  const data = await core.vault.call("GET", `/shares/${seg(id)}`);
  const item = data.item && typeof data.item === "object" ? (data.item as Json) : (list(data, "items")[0] ?? null);
  return { share: oneShare(data, "GET /shares/{id}"), item, slots: list(data, "slots") };
}

export interface ShareInput {
  slot?: string | null;
  terms?: string | null;
  expiresAt?: Date | null;
  distributable?: boolean;
}

export async function shareCard(core: Core, cardId: string, connectionId: string, input: ShareInput): Promise<Share> {
  const card = await ownCard(core, cardId);
  let values = new Map(card.slots.map((s) => [s.id, s.value]));
  let slotId: string | null = null;
  if (input.slot) {
    const chosen = card.slots.find((s) => s.id === input.slot || s.name === input.slot);
    if (!chosen) throw new ProtocolError(`the card has no slot ${input.slot}`);
    slotId = chosen.id;
    values = new Map([[chosen.id, chosen.value]]);
  }
  return createShare(core, cardId, connectionId, values, slotId, input.terms ?? null, input.expiresAt ?? null, input.distributable ?? false);
}

/** Share on a card received through a distributable share (never distributable itself). */
export async function reshare(core: Core, shareId: string, connectionId: string, input: ShareInput): Promise<Share> {
  const shared = await readShare(core, shareId);
  let values = new Map(shared.slots.map((s) => [s.id, s.value]));
  let slotId: string | null = null;
  if (input.slot) {
    const chosen = shared.slots.find((s) => s.id === input.slot || s.name === input.slot);
    if (!chosen) throw new ProtocolError(`the shared card has no slot ${input.slot}`);
    slotId = chosen.id;
    values = new Map([[chosen.id, chosen.value]]);
  }
  return createShare(core, shared.share.cardId, connectionId, values, slotId, input.terms ?? null, input.expiresAt ?? null, false);
}

async function createShare(
  core: Core,
  cardId: string,
  connectionId: string,
  values: Map<string, string | null>,
  slotId: string | null,
  terms: string | null,
  expiresAt: Date | null,
  distributable: boolean,
): Promise<Share> {
  const ring = core.ring();
  const flow = "share";
  const connection = await rawConnection(core, connectionId);
  const recipientKey = str(connection, "other_user_connection_public_key");
  if (!recipientKey) throw new ProtocolError("the connection has no public key for the other person");
  core.step(flow, "Making a fresh share key and wrapping it for you and for the recipient");
  const dek = c.generateKey();
  const forMe = await c.wrapKey(ring.kek, dek);
  const forThem = await c.encryptWithPublicKey(recipientKey, dek);
  core.step(flow, "Creating the Keystore encryption space and the recipient's shared key");
  const space = obj(await core.keystore.call("POST", "/encryption_spaces", { body: { encrypted_serialized_key: forMe } }), "encryption_space_data_encryption_key", "POST /encryption_spaces");
  const spaceId = need(space, "encryption_space_id", "POST /encryption_spaces");
  let created: Json;
  try {
    await core.keystore.call("POST", "/shared_keys", { body: { encrypted_key: forThem, external_id: spaceId, public_key: recipientKey, key_metadata: { key_type: "Aes256Gcm" } } });
    core.step(flow, "Linking the encryption space to the connection");
    await core.vault.call("POST", `/connections/${seg(connectionId)}/encryption_space`, { body: { encryption_space_id: spaceId }, expectBody: false });
    core.step(flow, "Encrypting the values with the share key and creating the share");
    const encrypted: Json = {};
    for (const [id, value] of values) if (value !== null) encrypted[id] = await core.encrypt(dek, value);
    const share: Json = { shareable_type: "Item", shareable_id: cardId, connection_id: connectionId, encryption_space_id: spaceId, encrypted_values: encrypted, distributable, outgoing: true };
    const userId = str(connection, "user_id");
    if (userId) share.user_id = userId;
    if (slotId) share.slot_id = slotId;
    if (terms) share.terms = terms;
    if (expiresAt) share.expires_at = iso(expiresAt);
    created = oneShare(await core.vault.call("POST", "/shares", { body: { shares: [share] } }), "POST /shares");
  } catch (e) {
    // Leave no orphan key material behind a share that does not exist.
    await core.keystore.call("DELETE", `/encryption_spaces/${seg(spaceId)}`, { expectBody: false }).catch(() => undefined);
    throw e;
  }
  ring.spaceKeys.set(spaceId, dek);
  return toShare(created);
}

export async function getShare(core: Core, id: string): Promise<Share> {
  try {
    const d = await detail(core, id);
    return toShare(d.share, d.item);
  } catch (e) {
    if (isStatus(e, 404, 410)) throw new ShareUnavailable();
    throw e;
  }
}

export async function readShare(core: Core, id: string): Promise<SharedCard> {
  const flow = "read_share";
  core.step(flow, "Looking up the share");
  let d: Awaited<ReturnType<typeof detail>>;
  try {
    d = await detail(core, id);
  } catch (e) {
    if (isStatus(e, 404, 410)) throw new ShareUnavailable();
    throw e;
  }
  const record = d.share;
  const share = toShare(record, d.item);
  const values = (record.encrypted_values ?? null) as Record<string, string | null> | null;
  if (values === null && share.acceptance === ACCEPTANCE_PENDING) throw new AcceptanceRequired(share.terms);
  const encrypted = Object.entries(values ?? {}).filter((e): e is [string, string] => typeof e[1] === "string");
  const base = { share, label: d.item ? str(d.item, "label") : null, templateLabel: d.item ? str(d.item, "item_template_label") : null };
  if (!encrypted.length) return { ...base, slots: [] };
  if (!share.encryptionSpaceId) throw new ProtocolError("the share names no encryption space");
  const dek = await spaceKey(core, share.encryptionSpaceId, share.connectionId, flow);
  core.step(flow, "Decrypting the shared values");
  const slots = new Map(d.slots.map((s) => [s.id as string, s]));
  const out = await Promise.all(
    encrypted.map(async ([slotId, value]) => {
      const s = slots.get(slotId);
      return {
        id: slotId,
        name: s ? str(s, "name") : null,
        label: s ? str(s, "label") : null,
        slotTypeName: s ? str(s, "slot_type_name") : null,
        value: await core.decrypt(dek, value),
        attachmentId: s ? str(s, "attachment_id") : null,
        ordinal: s?.ordinal,
      };
    }),
  );
  return { ...base, slots: ordered(out as unknown as Json[]) as unknown as SharedSlot[] };
}

export async function acceptShare(core: Core, id: string): Promise<Share> {
  return toShare(oneShare(await core.vault.call("PUT", `/shares/${seg(id)}/accept`, { body: {} }), "PUT /shares/{id}/accept"));
}

export async function updateShare(core: Core, id: string, change: { expiresAt?: Date | null; distributable?: boolean }): Promise<Share> {
  const body: Json = { id };
  if (change.expiresAt !== undefined) body.expires_at = change.expiresAt === null ? null : iso(change.expiresAt);
  if (change.distributable !== undefined) body.distributable = change.distributable;
  const data = await core.vault.call("PUT", "/shares", { body: { shares: [body] } });
  return toShare(oneShare(data, "PUT /shares"));
}

/** Revoke (sender or recipient); the sender also deletes the Keystore space unless another share uses it. */
export async function revokeShare(core: Core, id: string): Promise<void> {
  const d = await detail(core, id);
  await core.vault.call("DELETE", `/shares/${seg(id)}`, { expectBody: false });
  const space = str(d.share, "encryption_space_id");
  if (!space) return;
  if (d.share.outgoing === true) {
    const others = await shares(core, true);
    if (others.some((s) => s.encryptionSpaceId === space && s.id !== id)) return;
  }
  core.ring().spaceKeys.delete(space);
  await core.keystore.call("DELETE", `/encryption_spaces/${seg(space)}`, { expectBody: false }).catch((e: unknown) => {
    if (!isStatus(e, 403, 404)) throw e;
  });
}

async function spaceKey(core: Core, spaceId: string, connectionId: string | null, flow: string): Promise<Uint8Array> {
  const ring = core.ring();
  const cached = ring.spaceKeys.get(spaceId);
  if (cached) return cached;
  let dek: Uint8Array;
  try {
    const own = obj(await core.keystore.call("GET", `/encryption_spaces/${seg(spaceId)}`), "encryption_space_data_encryption_key", "GET /encryption_spaces/{id}");
    dek = await c.unwrapKey(ring.kek, need(own, "serialized_data_encryption_key", "GET /encryption_spaces/{id}"));
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404) || connectionId === null) throw e;
    dek = await claim(core, spaceId, connectionId, flow);
  }
  ring.spaceKeys.set(spaceId, dek);
  return dek;
}

async function claim(core: Core, spaceId: string, connectionId: string, flow: string): Promise<Uint8Array> {
  const ring = core.ring();
  const connection = await rawConnection(core, connectionId);
  const keypairId = str(connection, "key_store_keypair_id");
  if (!keypairId) throw new ProtocolError("the connection has no keypair id");
  core.step(flow, "Claiming the shared key with a fresh signature");
  const { key, publicPem } = await core.connectionKeypair(keypairId);
  const signed = `${core.keystore.baseUrl}/shared_keys/${spaceId}/claim_key--request-timestamp=${iso(core.clock())}`;
  const signature = await c.sign(key, c.utf8(signed));
  const claimed = obj(
    await core.keystore.call("POST", `/shared_keys/${seg(spaceId)}/claim_key`, { body: { public_key: publicPem, request_signature: signature } }),
    "shared_key_claimed",
    "POST /shared_keys/{id}/claim_key",
  );
  const dek = await c.decryptWithPrivateKey(key, need(claimed, "serialized_shared_key", "claim_key"));
  core.step(flow, "Joining the encryption space with your own wrapped copy");
  await core.keystore.call("POST", "/encryption_spaces", { body: { encrypted_serialized_key: await c.wrapKey(ring.kek, dek), encryption_space_id: spaceId } });
  await core.vault.call("POST", `/connections/${seg(connectionId)}/encryption_space`, { body: { encryption_space_id: spaceId }, expectBody: false });
  return dek;
}

// The update_shares client task (run by client/tasks.ts) ------------------------------------------

/** Re-encrypt the current values of card `targetId` for every share of it the caller gave; how many. */
export async function carryUpdate(core: Core, targetId: string | null): Promise<number> {
  if (!targetId) return 0;
  const outgoing = await shares(core, true);
  let mine = outgoing.filter((s) => s.cardId === targetId);
  if (!mine.length) mine = outgoing.filter((s) => s.id === targetId);
  if (!mine.length) return 0;
  core.step("update_shares", `Re-encrypting a card for ${mine.length} share(s)`);
  let direct: Map<string, string | null> | null = null;
  const parents = new Map<string, Map<string, string | null>>();
  const updates: Json[] = [];
  for (const share of mine) {
    let values: Map<string, string | null>;
    if (share.parentShareId) {
      if (!parents.has(share.parentShareId)) {
        try {
          const parent = await readShare(core, share.parentShareId);
          parents.set(share.parentShareId, new Map(parent.slots.map((s) => [s.id, s.value])));
        } catch {
          continue; // the parent is gone: the Vault revokes this on-share with it
        }
      }
      values = parents.get(share.parentShareId)!;
    } else {
      if (direct === null) {
        try {
          const own = await ownCard(core, share.cardId);
          direct = new Map(own.slots.map((s) => [s.id, s.value]));
        } catch (e) {
          if (isStatus(e, 404)) continue;
          throw e;
        }
      }
      values = direct;
    }
    if (!share.encryptionSpaceId) continue;
    const dek = await spaceKey(core, share.encryptionSpaceId, null, "update_shares");
    const chosen = share.slotId ? new Map([[share.slotId, values.get(share.slotId) ?? null]]) : values;
    const encrypted: Json = {};
    for (const [k, v] of chosen) if (v !== null) encrypted[k] = await core.encrypt(dek, v);
    updates.push({ id: share.id, encrypted_values: encrypted });
  }
  if (updates.length) await core.vault.call("PUT", "/shares", { body: { shares: updates } });
  return updates.length;
}
