// Cards: the list, a new card from any template (and a template of one's own), one card (edit, add and remove
// slots, delete, share).
import { useState } from "preact/hooks";
import * as cardsApi from "../client/cards";
import type { Card, SlotInput, Template, TemplateSlotInput } from "../client/cards";
import { connections } from "../client/connections";
import { shareCard } from "../client/shares";
import { AttachForm, AttachmentDownload } from "./attachments";
import { ErrorNote, Field, Progress, localDate, useAction, useApp, useLoad } from "./ui";

export function CardList(): preact.JSX.Element {
  const { core, go } = useApp();
  const { data, error, loading } = useLoad(() => cardsApi.cards(core));
  return (
    <section aria-labelledby="cards-title">
      <div class="heading">
        <h2 id="cards-title">Cards</h2>
        <button onClick={() => go("#/cards/new")}>New card</button>
      </div>
      <ErrorNote error={error} />
      {loading ? <p role="status">Loading cards…</p> : null}
      {data && !data.length ? <p>No cards yet. Make one from a template.</p> : null}
      <ul class="list" aria-label="Your cards">
        {(data ?? []).map((card) => (
          <li key={card.id}>
            <a href={`#/cards/${card.id}`}>{card.label || "(no label)"}</a>
            <span class="muted">{card.templateLabel}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function NewCard(): preact.JSX.Element {
  const { core, go } = useApp();
  const templates = useLoad(() => cardsApi.templates(core));
  const action = useAction();
  const [templateName, setTemplateName] = useState("");
  const [label, setLabel] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [extra, setExtra] = useState<{ name: string; value: string }[]>([]);
  const list = templates.data ?? [];
  const template: Template | undefined = list.find((t) => t.name === templateName) ?? list[0];
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!template) return;
    const slots: SlotInput[] = template.slots.map((s) => ({ name: s.name, value: values[s.name] || null }));
    for (const x of extra) if (x.name.trim()) slots.push({ name: x.name.trim(), label: x.name.trim(), value: x.value || null });
    const card = await action.run(() => cardsApi.createCard(core, template.name, label.trim() || template.label || template.name, slots));
    if (card) go(`#/cards/${card.id}`);
  };
  return (
    <section aria-labelledby="new-card-title">
      <h2 id="new-card-title">New card</h2>
      <ErrorNote error={templates.error} />
      <form onSubmit={submit} aria-label="New card">
        <Field label="Template">
          <select value={template?.name ?? ""} onChange={(e) => setTemplateName(e.currentTarget.value)}>
            {list.map((t) => (
              <option key={t.id} value={t.name}>
                {t.label || t.name}
              </option>
            ))}
          </select>
        </Field>
        {template?.description ? <p class="muted">{template.description}</p> : null}
        <Field label="Label">
          <input type="text" value={label} onInput={(e) => setLabel(e.currentTarget.value)} placeholder={template?.label ?? ""} />
        </Field>
        {template?.slots.map((s) => (
          <Field key={s.name} label={s.label || s.name}>
            <input
              type={s.slotTypeName === "password" ? "password" : "text"}
              autoComplete="off"
              value={values[s.name] ?? ""}
              onInput={(e) => setValues({ ...values, [s.name]: e.currentTarget.value })}
            />
          </Field>
        ))}
        {extra.map((x, i) => (
          <div class="row" key={i}>
            <Field label={`Extra slot ${i + 1} name`}>
              <input type="text" value={x.name} onInput={(e) => setExtra(extra.map((y, j) => (j === i ? { ...y, name: e.currentTarget.value } : y)))} />
            </Field>
            <Field label={`Extra slot ${i + 1} value`}>
              <input type="text" value={x.value} onInput={(e) => setExtra(extra.map((y, j) => (j === i ? { ...y, value: e.currentTarget.value } : y)))} />
            </Field>
          </div>
        ))}
        <div class="row">
          <button type="button" class="secondary" onClick={() => setExtra([...extra, { name: "", value: "" }])}>
            Add a slot
          </button>
          <button type="submit" disabled={action.busy || !template}>
            Create card
          </button>
        </div>
        <ErrorNote error={action.error} />
        <Progress steps={action.steps} busy={action.busy} />
      </form>
      <TemplateForm
        onMade={(made) => {
          setTemplateName(made.name);
          setValues({});
          templates.reload();
        }}
      />
    </section>
  );
}

const NO_SLOT: TemplateSlotInput = { label: "", slotTypeName: "key_value" };

/** A template of one's own: its label, an optional machine name, and its slots (label and type each). */
function TemplateForm({ onMade }: { onMade: (made: Template) => void }): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [label, setLabel] = useState("");
  const [name, setName] = useState("");
  const [slots, setSlots] = useState<TemplateSlotInput[]>([{ ...NO_SLOT }]);
  const [made, setMade] = useState<string | null>(null);
  const change = (i: number, part: Partial<TemplateSlotInput>): void => setSlots(slots.map((s, j) => (j === i ? { ...s, ...part } : s)));
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setMade(null);
    const chosen = slots.filter((s) => s.label.trim()).map((s) => ({ ...s, label: s.label.trim() }));
    const template = await action.run(async () => {
      if (!label.trim()) throw new Error("Give the template a label.");
      return cardsApi.createTemplate(core, { label: label.trim(), name: name.trim() || undefined, slots: chosen });
    });
    if (template) {
      setMade(`Template ${template.label || template.name} made.`);
      setLabel("");
      setName("");
      setSlots([{ ...NO_SLOT }]);
      onMade(template);
    }
  };
  return (
    <form onSubmit={submit} aria-label="New template" class="panel">
      <h3>A template of your own</h3>
      <Field label="Template label">
        <input type="text" value={label} onInput={(e) => setLabel(e.currentTarget.value)} />
      </Field>
      <Field label="Template name" hint="Optional machine name; made from the label when empty.">
        <input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      {slots.map((s, i) => (
        <div class="row" key={i}>
          <Field label={`Template slot ${i + 1} label`}>
            <input type="text" value={s.label} onInput={(e) => change(i, { label: e.currentTarget.value })} />
          </Field>
          <Field label={`Template slot ${i + 1} type`}>
            <select value={s.slotTypeName} onChange={(e) => change(i, { slotTypeName: e.currentTarget.value })}>
              {cardsApi.TEMPLATE_SLOT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </Field>
        </div>
      ))}
      <div class="row">
        <button type="button" class="secondary" onClick={() => setSlots([...slots, { ...NO_SLOT }])}>
          Add a template slot
        </button>
        <button type="submit" disabled={action.busy}>
          Create template
        </button>
      </div>
      {made && !action.busy ? <p role="status">{made}</p> : null}
      <ErrorNote error={action.error} />
    </form>
  );
}

export function CardView({ id }: { id: string }): preact.JSX.Element {
  const { core, go, kickTasks } = useApp();
  const loaded = useLoad(() => cardsApi.card(core, id), [id]);
  const action = useAction();
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [label, setLabel] = useState<string | null>(null);
  const [newSlot, setNewSlot] = useState({ name: "", value: "" });
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const card = loaded.data;
  if (!card) {
    return (
      <section>
        <ErrorNote error={loaded.error} />
        {loaded.loading ? <p role="status">Opening the card…</p> : null}
      </section>
    );
  }
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const slots: SlotInput[] = Object.entries(edits).map(([slotId, value]) => ({ name: slotId, value: value || null }));
    if (newSlot.name.trim()) slots.push({ name: newSlot.name.trim(), label: newSlot.name.trim(), value: newSlot.value || null });
    const change: { label?: string; slots: SlotInput[] } = { slots };
    if (label !== null && label.trim() !== (card.label ?? "")) change.label = label.trim();
    const updated = await action.run(() => cardsApi.updateCard(core, card.id, change));
    if (updated) {
      setEdits({});
      setLabel(null);
      setNewSlot({ name: "", value: "" });
      setSaved("Saved.");
      loaded.reload();
      kickTasks();
    }
  };
  const remove = async (slotId: string): Promise<void> => {
    const updated = await action.run(() => cardsApi.updateCard(core, card.id, { remove: [slotId] }));
    if (updated) {
      setSaved("Slot removed.");
      loaded.reload();
      kickTasks();
    }
  };
  const destroy = async (): Promise<void> => {
    const done = await action.run(async () => {
      await cardsApi.deleteCard(core, card.id);
      return true;
    });
    if (done) go("#/cards");
  };
  return (
    <section aria-labelledby="card-title">
      <h2 id="card-title">{card.label || "(no label)"}</h2>
      <p class="muted">{card.templateLabel}</p>
      <form onSubmit={save} aria-label="Edit card">
        <Field label="Card label">
          <input type="text" value={label ?? card.label ?? ""} onInput={(e) => setLabel(e.currentTarget.value)} />
        </Field>
        {card.slots.map((slot) => (
          <div class="slot" key={slot.id}>
            {slot.attachmentId !== null ? (
              // The value of an attachment slot is the file key: never shown, never edited.
              <div class="field">
                <span class="field-label">{slot.label || slot.name || "Attachment"}</span>
                <AttachmentDownload slot={slot} name={slot.label || slot.name || "attachment"} />
              </div>
            ) : (
              <Field label={slot.label || slot.name || "Slot"}>
                <input
                  type="text"
                  autoComplete="off"
                  value={edits[slot.id] ?? slot.value ?? ""}
                  onInput={(e) => setEdits({ ...edits, [slot.id]: e.currentTarget.value })}
                />
              </Field>
            )}
            <button type="button" class="secondary" aria-label={`Remove slot ${slot.label || slot.name}`} onClick={() => remove(slot.id)}>
              Remove
            </button>
          </div>
        ))}
        <div class="row">
          <Field label="New slot name">
            <input type="text" value={newSlot.name} onInput={(e) => setNewSlot({ ...newSlot, name: e.currentTarget.value })} />
          </Field>
          <Field label="New slot value">
            <input type="text" value={newSlot.value} onInput={(e) => setNewSlot({ ...newSlot, value: e.currentTarget.value })} />
          </Field>
        </div>
        <div class="row">
          <button type="submit" disabled={action.busy}>
            Save changes
          </button>
          {confirmDelete ? (
            <button type="button" class="danger" onClick={destroy}>
              Really delete this card
            </button>
          ) : (
            <button type="button" class="secondary" onClick={() => setConfirmDelete(true)}>
              Delete card
            </button>
          )}
        </div>
        {saved && !action.busy ? <p role="status">{saved}</p> : null}
        <ErrorNote error={action.error} />
        <Progress steps={action.steps} busy={action.busy} />
      </form>
      <AttachForm
        card={card}
        onAttached={() => {
          loaded.reload();
          kickTasks();
        }}
      />
      <ShareForm card={card} />
    </section>
  );
}

function ShareForm({ card }: { card: Card }): preact.JSX.Element {
  const { core } = useApp();
  const people = useLoad(() => connections(core));
  const action = useAction();
  const [connectionId, setConnectionId] = useState("");
  const [slot, setSlot] = useState("");
  const [terms, setTerms] = useState("");
  const [expires, setExpires] = useState("");
  const [distributable, setDistributable] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const list = (people.data ?? []).filter((c) => !c.keyMismatch); // never share over a swapped key
  const chosen = connectionId || list[0]?.id || "";
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setDone(null);
    const share = await action.run(() =>
      shareCard(core, card.id, chosen, { slot: slot || null, terms: terms.trim() || null, expiresAt: localDate(expires), distributable }),
    );
    if (share) {
      setDone(`Shared with ${list.find((c) => c.id === chosen)?.nickname ?? "your connection"}.`);
      setTerms("");
    }
  };
  return (
    <form onSubmit={submit} aria-label="Share this card" class="panel">
      <h3>Share</h3>
      {!list.length && !people.loading ? <p>Connect with someone first (Connections → invite).</p> : null}
      <Field label="Share with">
        <select value={chosen} onChange={(e) => setConnectionId(e.currentTarget.value)}>
          {list.map((c) => (
            <option key={c.id} value={c.id}>
              {c.nickname || c.userName || c.id}
            </option>
          ))}
        </select>
      </Field>
      <Field label="What to share">
        <select value={slot} onChange={(e) => setSlot(e.currentTarget.value)}>
          <option value="">The whole card</option>
          {card.slots.map((s) => (
            <option key={s.id} value={s.id}>
              Only {s.label || s.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Terms" hint="The recipient must accept them before seeing the values.">
        <textarea value={terms} onInput={(e) => setTerms(e.currentTarget.value)} rows={2} />
      </Field>
      <Field label="Expires at" hint="Empty: no expiry.">
        <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
      </Field>
      <label class="check">
        <input type="checkbox" checked={distributable} onChange={(e) => setDistributable(e.currentTarget.checked)} />
        Allow the recipient to share it on
      </label>
      <button type="submit" disabled={action.busy || !chosen}>
        Share
      </button>
      {done ? <p role="status">{done}</p> : null}
      <ErrorNote error={action.error ?? people.error} />
      <Progress steps={action.steps} busy={action.busy} />
    </form>
  );
}
