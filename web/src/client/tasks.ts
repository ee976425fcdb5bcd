// Client tasks: the work the Vault cannot do without keys or without access to the Keystore, run as the SDK
// runs them (src/strongroom/client/_tasks.py). update_shares re-encrypts a shared card's values for its
// recipients (shares.ts). When a share ends, the Vault queues delete_encryption_space for both parties (the
// caller deletes the whole Keystore space when it made it, else its own copy); a deleted connection also
// queues delete_keypair for the caller's connection keypair. Already gone counts as done. The Vault is not
// trusted with these either: a space still backing a live share of the caller's, a keypair still used by one
// of the caller's connections, and the login keypair, are never deleted.
import { LOGIN_KEYPAIR_ID } from "./account";
import { type Core, isStatus, seg } from "./core";
import { ApiError, type Json, str } from "./http";
import { carryUpdate } from "./shares";

export const UPDATE_SHARES = "update_shares";
export const DELETE_ENCRYPTION_SPACE = "delete_encryption_space";
export const DELETE_KEYPAIR = "delete_keypair";
const KNOWN = [UPDATE_SHARES, DELETE_ENCRYPTION_SPACE, DELETE_KEYPAIR];

export interface TaskRun {
  id: string;
  workType: string;
  state: "done" | "failed";
  updatedShares: number;
  /** A delete_* task removed a Keystore record (false: nothing to delete, or still in use). */
  deleted: boolean;
  error?: string;
}

async function setState(core: Core, id: string, state: string, report?: Json): Promise<void> {
  const task: Json = { id, state };
  if (report) task.report = report;
  await core.vault.call("PUT", "/client_task_queue", { body: { client_tasks: [task] } });
}

/** Run every todo task of a kind the page knows; tasks of other kinds are left alone. Each one is marked
 * in_progress before its work and done (with its report) or failed (with the error code) after it. */
export async function runClientTasks(core: Core, onProgress?: (done: number, total: number, workType: string) => void): Promise<TaskRun[]> {
  const data = await core.pages("/client_task_queue", ["client_tasks"], { state: "todo" });
  const todo = data.client_tasks!.filter((t) => KNOWN.includes(str(t, "work_type") ?? ""));
  const runs: TaskRun[] = [];
  const inUse: InUse = {};
  onProgress?.(0, todo.length, "");
  for (const task of todo) {
    const id = task.id as string;
    const workType = str(task, "work_type")!;
    const target = str(task, "target_id");
    try {
      await setState(core, id, "in_progress");
    } catch (e) {
      if (isStatus(e, 404, 409)) continue; // another client of the same person took it, or it went away
      throw e;
    }
    onProgress?.(runs.length, todo.length, workType);
    try {
      if (workType === UPDATE_SHARES) {
        const count = await carryUpdate(core, target);
        await setState(core, id, "done", { updated_shares: count });
        runs.push({ id, workType, state: "done", updatedShares: count, deleted: false });
      } else {
        const deleted = await deleteLeftover(core, workType, target, inUse);
        await setState(core, id, "done", { deleted });
        runs.push({ id, workType, state: "done", updatedShares: 0, deleted });
      }
    } catch (e) {
      const code = e instanceof ApiError ? e.code : (e as Error).name;
      await setState(core, id, "failed", { error: code });
      runs.push({ id, workType, state: "failed", updatedShares: 0, deleted: false, error: code });
    }
    onProgress?.(runs.length, todo.length, workType);
  }
  return runs;
}

/** What the caller's connections and live shares still use, looked up once per run. */
interface InUse {
  keypairs?: Set<string>;
  spaces?: Set<string>;
}

async function deleteLeftover(core: Core, workType: string, targetId: string | null, inUse: InUse): Promise<boolean> {
  if (!targetId) return false;
  const ring = core.ring();
  if (workType === DELETE_KEYPAIR) {
    let keypair: Json;
    try {
      keypair = (await core.keystore.call("GET", `/keypairs/${seg(targetId)}`)).keypair as Json;
    } catch (e) {
      if (isStatus(e, 404)) return false;
      throw e;
    }
    const external = Array.isArray(keypair?.external_identifiers) ? (keypair.external_identifiers as unknown[]) : [];
    if (external.includes(LOGIN_KEYPAIR_ID)) return false; // the login key opens the Vault account: no task may take it
    if (!inUse.keypairs) {
      const data = await core.pages("/connections", ["connections"]);
      inUse.keypairs = new Set(data.connections!.map((c) => str(c, "key_store_keypair_id")).filter((k): k is string => !!k));
    }
    if (inUse.keypairs.has(targetId)) return false;
    core.step("client_tasks", "Deleting a connection key pair from the Keystore");
    ring.connectionKeys.delete(targetId);
    await ignoring(404, () => core.keystore.call("DELETE", `/keypairs/${seg(targetId)}`, { expectBody: false }));
    return true;
  }
  if (!inUse.spaces) {
    const data = await core.pages("/shares", ["shares"]);
    inUse.spaces = new Set(data.shares!.map((s) => str(s, "encryption_space_id")).filter((k): k is string => !!k));
  }
  if (inUse.spaces.has(targetId)) return false;
  core.step("client_tasks", "Deleting a share's key from the Keystore");
  ring.spaceKeys.delete(targetId);
  try {
    await core.keystore.call("DELETE", `/encryption_spaces/${seg(targetId)}`, { expectBody: false });
  } catch (e) {
    if (isStatus(e, 403, 404)) return false;
    throw e;
  }
  return true;
}

async function ignoring(status: number, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (e) {
    if (!isStatus(e, status)) throw e;
  }
}
