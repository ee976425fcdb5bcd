// The sessions of both services (GET / DELETE /sessions, DELETE /sessions/{id}: extensions of Strongroom):
// list them, end one, end every one but this page's.
import { type Core, seg } from "./core";
import { type Json, ProtocolError, type ServiceApi, need, str } from "./http";
import { everyPage } from "./lifecycle";

export type ServiceName = "keystore" | "vault";

export interface SessionInfo {
  service: ServiceName;
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  /** What the client called itself at log-in, else its User-Agent; null when it sent neither. */
  clientName: string | null;
  /** The session of this page. */
  current: boolean;
}

function api(core: Core, service: ServiceName): ServiceApi {
  return service === "keystore" ? core.keystore : core.vault;
}

function parse(service: ServiceName, row: Json): SessionInfo {
  const where = `GET /${service}/sessions`;
  if (typeof row.current !== "boolean") throw new ProtocolError(`${where}: no current`);
  return {
    service,
    id: need(row, "id", where),
    createdAt: need(row, "created_at", where),
    lastUsedAt: need(row, "last_used_at", where),
    expiresAt: need(row, "expires_at", where),
    clientName: str(row, "client_name"),
    current: row.current,
  };
}

/** Every live session of the account in both services, oldest first within each. */
export async function listSessions(core: Core): Promise<SessionInfo[]> {
  const services: ServiceName[] = ["keystore", "vault"];
  const pages = await Promise.all(services.map((s) => everyPage(api(core, s), "/sessions", "sessions")));
  return services.flatMap((s, i) => pages[i]!.map((row) => parse(s, row)));
}

export async function endSession(core: Core, service: ServiceName, id: string): Promise<void> {
  await api(core, service).call("DELETE", `/sessions/${seg(id)}`, { expectBody: false });
}

/** End every session but this page's in both services; how many ended (the Vault counts used ones only). */
export async function endOtherSessions(core: Core): Promise<number> {
  let ended = 0;
  for (const service of ["keystore", "vault"] as const) {
    const data = await api(core, service).call("DELETE", "/sessions");
    ended += typeof data.ended === "number" ? data.ended : 0;
  }
  return ended;
}
