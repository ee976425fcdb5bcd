// The client's state: both services, the keys held in memory (never stored), progress reporting.
import * as c from "../crypto";
import { ApiError, type Json, ProtocolError, ServiceApi, list } from "./http";

export interface KeyRing {
  kek: Uint8Array;
  privateDek: Uint8Array;
  privateDekId: string;
  connectionKeys: Map<string, { key: c.PrivateKey; publicPem: string }>;
  spaceKeys: Map<string, Uint8Array>;
}

/** The secret key and both session tokens; the passphrase is never part of it. */
export interface Credentials {
  username: string;
  secretKey: string;
  keystoreToken: string;
  vaultToken: string;
  vaultUserId: string;
}

export interface Step {
  flow: string;
  text: string;
  slow: boolean;
}

const PAGE = 200;

export class Core {
  readonly keystore: ServiceApi;
  readonly vault: ServiceApi;
  keys: KeyRing | null = null;
  credentials: Credentials | null = null;
  onStep: ((step: Step) => void) | null = null;
  clock: () => Date = () => new Date();

  constructor(origin: string) {
    this.keystore = new ServiceApi(`${origin}/keystore`, "Keystore");
    this.vault = new ServiceApi(`${origin}/vault`, "Vault");
  }

  step(flow: string, text: string, slow = false): void {
    this.onStep?.({ flow, text, slow });
  }

  ring(): KeyRing {
    if (!this.keys) throw new NotUnlocked();
    return this.keys;
  }

  /** Forget every key (lock); the tokens and the secret key stay so that the passphrase alone unlocks. */
  forgetKeys(): void {
    this.keys = null;
  }

  useTokens(keystore: string | null, vault: string | null): void {
    this.keystore.token = keystore;
    this.vault.token = vault;
  }

  async encrypt(key: Uint8Array, text: string | null | undefined): Promise<string | null> {
    return c.encryptText(key, text);
  }

  async decrypt(key: Uint8Array, serialized: string | null | undefined): Promise<string | null> {
    return c.decryptText(key, serialized);
  }

  /** Every page of a Vault list (per_page / next_page_after), `keys` of each answer concatenated. */
  async pages(path: string, keys: string[], params: Record<string, string | number | boolean> = {}): Promise<Record<string, Json[]>> {
    const merged: Record<string, Json[]> = Object.fromEntries(keys.map((k) => [k, []]));
    const seen = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const query: Record<string, string | number | boolean> = { ...params, per_page: PAGE };
      if (after !== null) query.next_page_after = after;
      const data = await this.vault.call("GET", path, { params: query });
      for (const k of keys) merged[k]!.push(...list(data, k));
      const ids = list(data, keys[0]!).map((r) => r.id).filter((id): id is string => typeof id === "string");
      after = nextAfter(data, ids);
      if (after === null || !ids.length || seen.has(ids[0]!)) return merged;
      ids.forEach((id) => seen.add(id));
    }
  }

  /** The caller's connection keypair (private key, public PEM): fetched and unwrapped once. The public PEM is
   * computed from the private key, never taken from a stored copy (the SDK's own fingerprint does the same). */
  async connectionKeypair(keypairId: string): Promise<{ key: c.PrivateKey; publicPem: string }> {
    const ring = this.ring();
    let pair = ring.connectionKeys.get(keypairId);
    if (!pair) {
      const data = await this.keystore.call("GET", `/keypairs/${seg(keypairId)}`);
      const record = data.keypair as Json | undefined;
      if (!record || typeof record.encrypted_serialized_key !== "string" || typeof record.public_key !== "string") {
        throw new ProtocolError("GET /keypairs/{id}: no keypair");
      }
      const pem = await c.unwrapPrivateKey(ring.kek, record.encrypted_serialized_key);
      pair = { key: await c.importPrivateKey(pem), publicPem: await c.publicPemOf(pem) };
      ring.connectionKeys.set(keypairId, pair);
    }
    return pair;
  }
}

export class NotUnlocked extends Error {
  constructor() {
    super("the vault is locked: unlock it with your passphrase");
    this.name = "NotUnlocked";
  }
}

export function seg(value: string): string {
  return encodeURIComponent(value);
}

function nextAfter(data: Json, ids: string[]): string | null {
  for (const holder of [data, data.meta]) {
    if (holder && typeof holder === "object" && "next_page_after" in (holder as Json)) {
      const value = (holder as Json).next_page_after;
      return typeof value === "string" && value ? value : null;
    }
  }
  return ids.length >= PAGE ? ids[ids.length - 1]! : null;
}

/** ISO 8601 UTC with milliseconds and Z, as the SDK writes times. */
export function iso(value: Date): string {
  return value.toISOString();
}

export function isStatus(error: unknown, ...statuses: number[]): error is ApiError {
  return error instanceof ApiError && statuses.includes(error.status);
}
