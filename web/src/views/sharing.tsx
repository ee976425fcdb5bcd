// Shares: received and given lists, one received card (terms first, then values; on-share; remove),
// and the sender's controls (expiry, on-sharing, revoke).
import { useState } from "preact/hooks";
import { connections } from "../client/connections";
import * as sharesApi from "../client/shares";
import { AcceptanceRequired, type Share, type SharedCard } from "../client/shares";
import { ShareReads } from "./activity";
import { AttachmentDownload } from "./attachments";
import { ErrorNote, Field, Progress, localDate, toLocalInput, useAction, useApp, useLoad, when } from "./ui";

/** What the recipient is told: the Vault records each read (GET /vault/shares/{id}/events). */
const READS_RECORDED = "Reads of this share are recorded: each time its values are shown to you, the Vault notes that you read them and when, and the sender and the card's owner can see it.";

function useNames(): Map<string, string> {
  const { core } = useApp();
  const people = useLoad(() => connections(core));
  return new Map((people.data ?? []).map((c) => [c.id, c.nickname || c.userName || "a connection"]));
}

export function Incoming(): preact.JSX.Element {
  const { core } = useApp();
  const { data, error, loading } = useLoad(() => sharesApi.shares(core, false));
  const names = useNames();
  return (
    <section aria-labelledby="incoming-title">
      <h2 id="incoming-title">Shared with me</h2>
      <ErrorNote error={error} />
      {loading ? <p role="status">Loading…</p> : null}
      {data && !data.length ? <p>Nothing has been shared with you yet.</p> : null}
      <ul class="list" aria-label="Shares you received">
        {(data ?? []).map((s) => (
          <li key={s.id}>
            <a href={`#/shared-with-me/${s.id}`}>{s.cardLabel || "Shared card"}</a>
            <span class="muted">
              from {s.connectionId ? names.get(s.connectionId) ?? "a connection" : "a connection"}
              {s.acceptance === sharesApi.ACCEPTANCE_PENDING ? " · terms to accept" : ""}
              {s.expiresAt ? ` · until ${when(s.expiresAt)}` : ""}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function SharedCardView({ id }: { id: string }): preact.JSX.Element {
  const { core, go } = useApp();
  const [tick, setTick] = useState(0);
  const loaded = useLoad(async (): Promise<SharedCard | AcceptanceRequired> => {
    try {
      return await sharesApi.readShare(core, id);
    } catch (e) {
      if (e instanceof AcceptanceRequired) return e;
      throw e;
    }
  }, [id, tick]);
  const action = useAction();
  const result = loaded.data;
  const accept = async (): Promise<void> => {
    if (await action.run(() => sharesApi.acceptShare(core, id))) setTick((t) => t + 1);
  };
  const remove = async (): Promise<void> => {
    const ok = await action.run(async () => {
      await sharesApi.revokeShare(core, id);
      return true;
    });
    if (ok) go("#/shared-with-me");
  };
  if (!result) {
    return (
      <section aria-label="Shared card">
        <h2>Shared card</h2>
        <ErrorNote error={loaded.error} />
        {loaded.loading ? <p role="status">Opening the share…</p> : null}
      </section>
    );
  }
  if (result instanceof AcceptanceRequired) {
    return (
      <section aria-labelledby="terms-title">
        <h2 id="terms-title">Terms of this share</h2>
        <p>The sender asks you to accept these terms before you see the values:</p>
        <p class="muted" role="note">
          {READS_RECORDED}
        </p>
        <blockquote class="terms" aria-label="Terms">
          {result.terms || "(no text)"}
        </blockquote>
        <div class="row">
          <button onClick={accept} disabled={action.busy}>
            Accept terms
          </button>
          <button class="secondary" onClick={remove} disabled={action.busy}>
            Decline and remove
          </button>
        </div>
        <ErrorNote error={action.error} />
      </section>
    );
  }
  const share = result.share;
  return (
    <section aria-labelledby="shared-title">
      <h2 id="shared-title">{result.label || "Shared card"}</h2>
      <p class="muted">
        {result.templateLabel}
        {share.expiresAt ? ` · available until ${when(share.expiresAt)}` : ""}
        {share.terms ? " · terms accepted" : ""}
      </p>
      <p class="muted" role="note">
        {READS_RECORDED}
      </p>
      <dl class="values" aria-label="Shared values">
        {result.slots.map((s) => (
          <div key={s.id}>
            <dt>{s.label || s.name || "Value"}</dt>
            <dd>{s.attachmentId !== null ? <AttachmentDownload slot={s} name={s.label || s.name || "attachment"} /> : (s.value ?? "")}</dd>
          </div>
        ))}
      </dl>
      <div class="row">
        <button class="secondary" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
        <button class="secondary" onClick={remove} disabled={action.busy}>
          Remove this share
        </button>
      </div>
      <ErrorNote error={action.error} />
      {share.distributable ? <OnShareForm share={share} slots={result.slots} /> : null}
    </section>
  );
}

function OnShareForm({ share, slots }: { share: Share; slots: SharedCard["slots"] }): preact.JSX.Element {
  const { core } = useApp();
  const people = useLoad(() => connections(core));
  const action = useAction();
  const [connectionId, setConnectionId] = useState("");
  const [slot, setSlot] = useState("");
  const [terms, setTerms] = useState("");
  const [expires, setExpires] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const list = (people.data ?? []).filter((c) => c.id !== share.connectionId && !c.keyMismatch);
  const chosen = connectionId || list[0]?.id || "";
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const made = await action.run(() => sharesApi.reshare(core, share.id, chosen, { slot: slot || null, terms: terms.trim() || null, expiresAt: localDate(expires) }));
    if (made) setDone("Shared on.");
  };
  return (
    <form onSubmit={submit} aria-label="Share on" class="panel">
      <h3>Share on</h3>
      <Field label="Share on with">
        <select value={chosen} onChange={(e) => setConnectionId(e.currentTarget.value)}>
          {list.map((c) => (
            <option key={c.id} value={c.id}>
              {c.nickname || c.userName || c.id}
            </option>
          ))}
        </select>
      </Field>
      <Field label="What to share on">
        <select value={slot} onChange={(e) => setSlot(e.currentTarget.value)}>
          <option value="">Everything shared with me</option>
          {slots.map((s) => (
            <option key={s.id} value={s.id}>
              Only {s.label || s.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Terms for the on-share">
        <textarea value={terms} onInput={(e) => setTerms(e.currentTarget.value)} rows={2} />
      </Field>
      <Field label="On-share expires at">
        <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={action.busy || !chosen}>
        Share on
      </button>
      {done ? <p role="status">{done}</p> : null}
      <ErrorNote error={action.error} />
      <Progress steps={action.steps} busy={action.busy} />
    </form>
  );
}

export function Outgoing(): preact.JSX.Element {
  const { core } = useApp();
  const { data, error, loading, reload } = useLoad(() => sharesApi.shares(core, true));
  const names = useNames();
  return (
    <section aria-labelledby="outgoing-title">
      <h2 id="outgoing-title">Shared by me</h2>
      <ErrorNote error={error} />
      {loading ? <p role="status">Loading…</p> : null}
      {data && !data.length ? <p>You have not shared anything yet.</p> : null}
      <ul class="list" aria-label="Shares you gave">
        {(data ?? []).map((s) => (
          <OutgoingRow key={s.id} share={s} to={s.connectionId ? names.get(s.connectionId) ?? "a connection" : "a connection"} onChange={reload} />
        ))}
      </ul>
    </section>
  );
}

function OutgoingRow({ share, to, onChange }: { share: Share; to: string; onChange: () => void }): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [expires, setExpires] = useState(toLocalInput(share.expiresAt));
  const [note, setNote] = useState<string | null>(null);
  const title = `${share.cardLabel || "Card"} → ${to}`;
  const changeExpiry = async (): Promise<void> => {
    if (await action.run(() => sharesApi.updateShare(core, share.id, { expiresAt: localDate(expires) }))) {
      setNote(expires ? "Expiry changed." : "Expiry removed.");
    }
  };
  const toggle = async (): Promise<void> => {
    if (await action.run(() => sharesApi.updateShare(core, share.id, { distributable: !share.distributable }))) onChange();
  };
  const revoke = async (): Promise<void> => {
    const ok = await action.run(async () => {
      await sharesApi.revokeShare(core, share.id);
      return true;
    });
    if (ok) onChange();
  };
  return (
    <li class="share-row" aria-label={title}>
      <strong>{title}</strong>
      <span class="muted">
        {share.slotId ? "one slot" : "whole card"}
        {share.parentShareId ? " · on-share" : ""}
        {share.terms ? " · with terms" : ""}
        {share.acceptance === sharesApi.ACCEPTANCE_PENDING ? " · not accepted yet" : ""}
        {share.distributable ? " · may be shared on" : ""}
      </span>
      <div class="row">
        <Field label={`Expiry of ${title}`}>
          <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        </Field>
        <button class="secondary" onClick={changeExpiry} disabled={action.busy}>
          Change expiry
        </button>
        {!share.parentShareId ? (
          <button class="secondary" onClick={toggle} disabled={action.busy}>
            {share.distributable ? "Stop on-sharing" : "Allow on-sharing"}
          </button>
        ) : null}
        <button class="danger" onClick={revoke} disabled={action.busy}>
          Revoke
        </button>
      </div>
      <ShareReads share={share} title={title} />
      {note ? <p role="status">{note}</p> : null}
      <ErrorNote error={action.error} />
    </li>
  );
}
