// The sessions of both services: where the account is logged in, ending one, or every one but this page's.
import { useState } from "preact/hooks";
import { type ServiceName, type SessionInfo, endOtherSessions, endSession, listSessions } from "../client/sessions";
import { ErrorNote, useAction, useApp, useLoad, when } from "./ui";

const SERVICES: { service: ServiceName; label: string; what: string }[] = [
  { service: "keystore", label: "Keystore", what: "your keys" },
  { service: "vault", label: "Vault", what: "your cards and shares" },
];

export function Sessions(): preact.JSX.Element {
  const { core } = useApp();
  const sessions = useLoad(() => listSessions(core));
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  const end = async (s: SessionInfo): Promise<void> => {
    setDone(null);
    if (await action.run(async () => (await endSession(core, s.service, s.id), true))) setDone(`Ended the ${s.service === "keystore" ? "Keystore" : "Vault"} session of ${s.clientName ?? "an unnamed client"}.`);
    sessions.reload();
  };
  const endOthers = async (): Promise<void> => {
    setDone(null);
    const ended = await action.run(() => endOtherSessions(core));
    if (ended !== undefined) setDone(`Ended every other session (${ended}).`);
    sessions.reload();
  };
  const all = sessions.data ?? [];
  return (
    <section class="panel" aria-labelledby="sessions-title">
      <h3 id="sessions-title">Sessions</h3>
      <p>Where your account is logged in. Ending a session logs that device out of that service.</p>
      {sessions.loading && !sessions.data ? <p class="muted">Loading…</p> : null}
      {sessions.data
        ? SERVICES.map(({ service, label, what }) => {
            const mine = all.filter((s) => s.service === service);
            return (
              <div key={service}>
                <h4>
                  {label} <span class="muted">({what})</span>
                </h4>
                <ul class="list" aria-label={`${label} sessions`}>
                  {mine.map((s) => (
                    <SessionRow key={s.id} session={s} label={label} busy={action.busy} onEnd={() => void end(s)} />
                  ))}
                </ul>
                {mine.length ? null : <p class="muted">No session shown.</p>}
              </div>
            );
          })
        : null}
      <ErrorNote error={action.error ?? sessions.error} />
      {done ? <p role="status">{done}</p> : null}
      <button type="button" class="secondary" onClick={() => void endOthers()} disabled={action.busy || !sessions.data}>
        End all other sessions
      </button>
    </section>
  );
}

function SessionRow({ session: s, label, busy, onEnd }: { session: SessionInfo; label: string; busy: boolean; onEnd: () => void }): preact.JSX.Element {
  const name = s.clientName ?? "Unnamed client";
  return (
    <li>
      <span>
        <strong>{name}</strong>
        {s.current ? " — this browser" : ""}
        <br />
        <span class="muted">
          Started {when(s.createdAt)}, last used {when(s.lastUsedAt)}, ends {when(s.expiresAt)}
        </span>
      </span>
      {s.current ? null : (
        <button type="button" class="secondary" disabled={busy} onClick={onEnd} aria-label={`End the ${label} session of ${name} started ${when(s.createdAt)}`}>
          End
        </button>
      )}
    </li>
  );
}
