// Who read a share, for its card's owner and its sender: each read (reader, time) and, for the owner, the
// on-shares made from it (who passed the card on, to whom) with their own reads. Loaded when asked for.
import { useState } from "preact/hooks";
import { connections } from "../client/connections";
import { type OnShare, type ShareActivity, type ShareRead, shareEvents } from "../client/events";
import type { Share } from "../client/shares";
import { ErrorNote, useApp, useLoad, when } from "./ui";

interface Loaded {
  activity: ShareActivity;
  onShareReads: Map<string, ShareRead[]>;
  people: Map<string, string>;
}

/** The reads of an on-share load with the panel, a bounded number of them: the rest say so. */
const ON_SHARE_READS = 20;

function ReadList({ reads, people, label }: { reads: ShareRead[]; people: Map<string, string>; label: string }): preact.JSX.Element {
  if (!reads.length) return <p class="muted">Not read yet.</p>;
  return (
    <ul class="list" aria-label={label}>
      {reads.map((r) => (
        <li key={r.id}>
          {people.get(r.readerId) ?? "someone you are not connected with"} read it on {when(r.readAt)}
        </li>
      ))}
    </ul>
  );
}

function Panel({ share, title }: { share: Share; title: string }): preact.JSX.Element {
  const { core } = useApp();
  const loaded = useLoad(async (): Promise<Loaded> => {
    const [activity, known] = await Promise.all([shareEvents(core, share.id), connections(core)]);
    const people = new Map(known.filter((c) => c.userId).map((c) => [c.userId!, c.nickname || c.userName || "a connection"]));
    if (core.credentials) people.set(core.credentials.vaultUserId, "you");
    const reads = await Promise.all(activity.onShares.slice(0, ON_SHARE_READS).map(async (o) => [o.id, (await shareEvents(core, o.id)).events] as const));
    return { activity, onShareReads: new Map(reads), people };
  }, [share.id]);
  const data = loaded.data;
  return (
    <div class="panel" role="region" aria-label={`Reads of ${title}`}>
      <p class="muted">Each time the recipient is shown the values, the Vault records who and when (nothing else).</p>
      <ErrorNote error={loaded.error} />
      {loaded.loading ? <p role="status">Loading the reads…</p> : null}
      {data ? <ReadList reads={data.activity.events} people={data.people} label={`Who read ${title}`} /> : null}
      {data && data.activity.onShares.length ? (
        <>
          <h4>Shared on</h4>
          <ul class="list" aria-label={`On-shares of ${title}`}>
            {data.activity.onShares.map((o: OnShare) => {
              const from = data.people.get(o.senderId) ?? "someone you are not connected with";
              const to = data.people.get(o.recipientId) ?? "someone you are not connected with";
              const reads = data.onShareReads.get(o.id);
              return (
                <li key={o.id}>
                  {from} shared it on with {to}
                  {o.createdAt ? ` on ${when(o.createdAt)}` : ""}
                  {reads ? <ReadList reads={reads} people={data.people} label={`Who read the on-share from ${from} to ${to}`} /> : <p class="muted">Its reads are not loaded here.</p>}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/** A "Show reads" toggle for one share the person gave; the panel loads afresh each time it opens. */
export function ShareReads({ share, title }: { share: Share; title: string }): preact.JSX.Element {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="secondary" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {open ? `Hide reads of ${title}` : `Show reads of ${title}`}
      </button>
      {open ? <Panel share={share} title={title} /> : null}
    </>
  );
}
