// Connections (both fingerprints side by side, or a warning when the Vault swapped the caller's key; rename;
// delete, whose key clean-up the client tasks do), invitations (send, list, cancel) and accepting one.
import { useState } from "preact/hooks";
import * as people from "../client/connections";
import type { Invitation } from "../client/connections";
import { ErrorNote, Field, Progress, useAction, useApp, useLoad, when } from "./ui";

export function Connections(): preact.JSX.Element {
  const { core, go } = useApp();
  const { data, error, loading } = useLoad(() => people.connections(core));
  return (
    <section aria-labelledby="connections-title">
      <div class="heading">
        <h2 id="connections-title">Connections</h2>
        <button onClick={() => go("#/invitations")}>Invite someone</button>
      </div>
      <ErrorNote error={error} />
      {loading ? <p role="status">Loading…</p> : null}
      {data && !data.length ? <p>No connections yet. Invite someone by mail.</p> : null}
      <ul class="list" aria-label="Your connections">
        {(data ?? []).map((c) => (
          <li key={c.id}>
            <a href={`#/connections/${c.id}`}>{c.nickname || c.userName || "Connection"}</a>
            <span class="muted">{[c.userName, c.userEmail].filter(Boolean).join(" · ")}</span>
            {c.keyMismatch ? <strong class="error">Warning: the server shows a key that is not yours</strong> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ConnectionView({ id }: { id: string }): preact.JSX.Element {
  const { core, go, kickTasks } = useApp();
  const loaded = useLoad(() => people.connection(core, id), [id]);
  const action = useAction();
  const [confirm, setConfirm] = useState(false);
  const [name, setName] = useState<string | null>(null);
  const [renamed, setRenamed] = useState(false);
  const c = loaded.data;
  if (!c) {
    return (
      <section>
        <ErrorNote error={loaded.error} />
        {loaded.loading ? <p role="status">Opening the connection…</p> : null}
      </section>
    );
  }
  const remove = async (): Promise<void> => {
    const ok = await action.run(async () => {
      await people.deleteConnection(core, id);
      return true;
    });
    if (ok) {
      kickTasks(); // the Vault queued the deletion of this connection's keys from the Keystore
      go("#/connections");
    }
  };
  const rename = async (e: Event): Promise<void> => {
    e.preventDefault();
    setRenamed(false);
    if (await action.run(() => people.renameConnection(core, id, name ?? ""))) {
      setName(null);
      setRenamed(true);
      loaded.reload();
    }
  };
  return (
    <section aria-labelledby="connection-title">
      <h2 id="connection-title">{c.nickname || c.userName || "Connection"}</h2>
      <p class="muted">{[c.userName, c.userEmail, c.createdAt ? `connected ${when(c.createdAt)}` : ""].filter(Boolean).join(" · ")}</p>
      {c.keyMismatch ? (
        <div class="error" role="alert" aria-label="Key mismatch">
          <p>
            <strong>Do not trust this connection.</strong> The server shows, as your key for this connection, a public key
            that is not yours: it may be substituting keys to read what you share. No fingerprints are shown, and you cannot
            share over this connection.
          </p>
        </div>
      ) : (
        <>
          <p>
            Compare these numbers with the other person over a channel you trust (in person, by phone). Their screen shows
            the same two numbers, swapped.
          </p>
          <Fingerprints mine={c.myFingerprint} theirs={c.theirFingerprint} />
        </>
      )}
      <form onSubmit={rename} aria-label="Rename connection" class="row">
        <Field label="Your name for them" hint="Private to you (encrypted).">
          <input type="text" value={name ?? c.nickname ?? ""} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={action.busy}>
          Rename
        </button>
        {renamed ? <p role="status">Renamed.</p> : null}
      </form>
      {confirm ? (
        <button class="danger" onClick={remove} disabled={action.busy}>
          Really delete this connection and its shares
        </button>
      ) : (
        <button class="secondary" onClick={() => setConfirm(true)}>
          Delete connection
        </button>
      )}
      <ErrorNote error={action.error} />
    </section>
  );
}

function Fingerprints({ mine, theirs }: { mine: string | null; theirs: string | null }): preact.JSX.Element {
  return (
    <div class="fingerprints">
      <figure aria-labelledby="fp-mine">
        <figcaption id="fp-mine">Your key's fingerprint</figcaption>
        <code aria-label="Your fingerprint">{mine ?? "unavailable"}</code>
      </figure>
      <figure aria-labelledby="fp-theirs">
        <figcaption id="fp-theirs">Their key's fingerprint</figcaption>
        <code aria-label="Their fingerprint">{theirs ?? "unavailable"}</code>
      </figure>
    </div>
  );
}

export function acceptLink(invitation: Invitation): string | null {
  if (!invitation.token) return null;
  return `${location.origin}/#/accept?invitation=${encodeURIComponent(invitation.id)}&token=${encodeURIComponent(invitation.token)}`;
}

export function Invitations(): preact.JSX.Element {
  const { core } = useApp();
  const sent = useLoad(() => people.invitations(core));
  const action = useAction();
  const [email, setEmail] = useState("");
  const [nickname, setNickname] = useState("");
  const [message, setMessage] = useState("");
  const [made, setMade] = useState<Invitation | null>(null);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const invitation = await action.run(() => people.invite(core, { email: email.trim() || undefined, nickname: nickname.trim() || undefined, message: message.trim() || undefined }));
    if (invitation) {
      setMade(invitation);
      setEmail("");
      setNickname("");
      setMessage("");
      sent.reload();
    }
  };
  const cancel = async (id: string): Promise<void> => {
    if (await action.run(async () => (await people.cancelInvitation(core, id), true))) sent.reload();
  };
  const link = made ? acceptLink(made) : null;
  return (
    <section aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invitations</h2>
      <form onSubmit={submit} aria-label="Send an invitation" class="panel">
        <Field label="Their email" hint="The Vault mails them a link. Leave empty to hand over the link yourself.">
          <input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <Field label="Nickname" hint="Your private name for them (encrypted).">
          <input type="text" value={nickname} onInput={(e) => setNickname(e.currentTarget.value)} />
        </Field>
        <Field label="Message">
          <textarea value={message} onInput={(e) => setMessage(e.currentTarget.value)} rows={2} />
        </Field>
        <button type="submit" disabled={action.busy}>
          Send invitation
        </button>
        <Progress steps={action.steps} busy={action.busy} />
        <ErrorNote error={action.error} />
        {made ? (
          <div role="status">
            <p>{made.email ? `Invitation sent to ${made.email}.` : "Invitation made."}</p>
            {link && !made.email ? (
              <Field label="Invitation link" hint="Works once. Send it over a channel you trust.">
                <input type="text" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
              </Field>
            ) : null}
          </div>
        ) : null}
      </form>
      <h3>Sent</h3>
      <ErrorNote error={sent.error} />
      <ul class="list" aria-label="Sent invitations">
        {(sent.data ?? []).map((inv) => (
          <li key={inv.id} aria-label={`Invitation to ${inv.email || inv.nickname || inv.id}`}>
            <span>{inv.email || inv.nickname || "(no address)"}</span>
            <span class="muted">
              {inv.state} · expires {when(inv.expiresAt)}
            </span>
            <button class="secondary" onClick={() => cancel(inv.id)} aria-label={`Cancel invitation to ${inv.email || inv.nickname || inv.id}`}>
              Cancel
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export interface PendingInvitation {
  invitationId: string | null;
  token: string;
}

export function AcceptInvitation({ pending, onDone }: { pending: PendingInvitation; onDone: () => void }): preact.JSX.Element {
  const { core, go } = useApp();
  const action = useAction();
  const [nickname, setNickname] = useState("");
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const connection = await action.run(() =>
      people.acceptInvitation(core, pending.token, { nickname: nickname.trim() || undefined, invitationId: pending.invitationId ?? undefined }),
    );
    if (connection) {
      onDone();
      go(`#/connections/${connection.id}`);
    }
  };
  return (
    <section aria-labelledby="accept-title">
      <h2 id="accept-title">Accept an invitation</h2>
      <p>Someone invited you to connect. Once connected you can share cards with each other.</p>
      <form onSubmit={submit} aria-label="Accept the invitation">
        <Field label="Nickname for the sender" hint="Your private name for them (encrypted).">
          <input type="text" value={nickname} onInput={(e) => setNickname(e.currentTarget.value)} />
        </Field>
        <div class="row">
          <button type="submit" disabled={action.busy}>
            Accept invitation
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              onDone();
              go("#/cards");
            }}
          >
            Not now
          </button>
        </div>
        <Progress steps={action.steps} busy={action.busy} />
        <ErrorNote error={action.error} />
      </form>
    </section>
  );
}
