// Templates and cards: slot values encrypted with the private DEK before they leave the page.
import { type Core, seg } from "./core";
import { type Json, list, obj, str } from "./http";

export interface TemplateSlot {
  name: string;
  label: string | null;
  slotTypeName: string | null;
}

export interface Template {
  id: string;
  name: string;
  label: string | null;
  description: string | null;
  /** Set on a template of the caller's own (null on the Vault's templates). */
  userId: string | null;
  slots: TemplateSlot[];
}

export interface CardSlot {
  id: string;
  name: string | null;
  label: string | null;
  slotTypeName: string | null;
  value: string | null;
  ordinal: number | null;
  /** Set on an `attachment` slot: its value is then the file key (base64), never shown. */
  attachmentId: string | null;
}

export interface Card {
  id: string;
  label: string | null;
  templateId: string | null;
  templateLabel: string | null;
  slots: CardSlot[];
  createdAt: string | null;
  updatedAt: string | null;
}

export interface SlotInput {
  name: string;
  value: string | null;
  label?: string;
  slotTypeName?: string;
}

const DEFAULT_SLOT_TYPE = "key_value";

function ordinal(slot: Json): number {
  return typeof slot.ordinal === "number" ? slot.ordinal : 1 << 30;
}

export function ordered<T extends Json>(slots: T[]): T[] {
  return [...slots].sort((a, b) => ordinal(a) - ordinal(b));
}

/** The slot types a template's slot may have that the page can edit (the Vault's SLOT_TYPES without the ones
 * whose values are files or references). */
export const TEMPLATE_SLOT_TYPES = ["key_value", "password", "note_text", "email", "phone_number", "url", "date", "datetime", "bool", "color", "select"];

export interface TemplateSlotInput {
  label: string;
  slotTypeName: string;
  name?: string;
}

/** A slot of a template to create; what is left out, the Vault derives (the name) or defaults (the type). */
export interface NewTemplateSlot {
  label?: string | null;
  slotTypeName?: string | null;
  name?: string;
}

function toTemplate(t: Json, slots: Map<string, Json>): Template {
  return {
    id: t.id as string,
    name: t.name as string,
    label: str(t, "label"),
    description: str(t, "description"),
    userId: str(t, "user_id"),
    slots: ordered(((t.slot_ids as string[] | undefined) ?? []).map((i) => slots.get(i)).filter((s): s is Json => !!s)).map((s) => ({
      name: (str(s, "name") ?? (s.id as string)),
      label: str(s, "label"),
      slotTypeName: str(s, "slot_type_name"),
    })),
  };
}

/** Every template the caller can use (built-in and own), with its slots (every page, as the SDK reads them). */
export async function templates(core: Core): Promise<Template[]> {
  const data = await core.pages("/item_templates", ["item_templates", "slots"]);
  const slots = new Map(data.slots!.map((s) => [s.id as string, s]));
  return data.item_templates!.map((t) => toTemplate(t, slots));
}

/** A template of the caller's own: `label` (its machine name derived from it by the Vault unless `name`) and its
 * slots (label and type each; a slot's name is derived from its label unless given). */
export async function createTemplate(core: Core, input: { label: string; name?: string; slots: NewTemplateSlot[] }): Promise<Template> {
  const body: Json = {
    label: input.label,
    // Only what is given: the Vault derives a missing name from the label and gives a missing type its default.
    slots_attributes: input.slots.map((s) => {
      const attribute: Json = {};
      if (s.name) attribute.name = s.name;
      if (s.label) attribute.label = s.label;
      if (s.slotTypeName) attribute.slot_type_name = s.slotTypeName;
      return attribute;
    }),
  };
  if (input.name) body.name = input.name;
  const data = await core.vault.call("POST", "/item_templates", { body });
  const slots = new Map(list(data, "slots").map((s) => [s.id as string, s]));
  return toTemplate(obj(data, "item_template", "POST /item_templates"), slots);
}

async function toCard(core: Core, item: Json, slots: Json[]): Promise<Card> {
  const dek = core.ring().privateDek;
  return {
    id: item.id as string,
    label: str(item, "label"),
    templateId: str(item, "item_template_id"),
    templateLabel: str(item, "item_template_label"),
    createdAt: str(item, "created_at"),
    updatedAt: str(item, "updated_at"),
    slots: await Promise.all(
      ordered(slots).map(async (s) => ({
        id: s.id as string,
        name: str(s, "name"),
        label: str(s, "label"),
        slotTypeName: str(s, "slot_type_name"),
        value: await core.decrypt(dek, str(s, "encrypted_value")),
        ordinal: typeof s.ordinal === "number" ? s.ordinal : null,
        attachmentId: str(s, "attachment_id"),
      })),
    ),
  };
}

export async function cards(core: Core): Promise<Card[]> {
  core.ring();
  const data = await core.pages("/items", ["items", "slots"]);
  const slots = new Map(data.slots!.map((s) => [s.id as string, s]));
  return Promise.all(
    data.items!.map((item) => toCard(core, item, ((item.slot_ids as string[] | undefined) ?? []).map((i) => slots.get(i)).filter((s): s is Json => !!s))),
  );
}

export async function card(core: Core, id: string): Promise<Card> {
  core.ring();
  const data = await core.vault.call("GET", `/items/${seg(id)}`);
  return toCard(core, obj(data, "item", "GET /items/{id}"), list(data, "slots"));
}

export async function createCard(core: Core, template: string, label: string, slots: SlotInput[]): Promise<Card> {
  const dek = core.ring().privateDek;
  const attributes = await Promise.all(
    slots.map(async (slot) => {
      const attribute: Json = { name: slot.name };
      if (slot.label) attribute.label = slot.label;
      if (slot.slotTypeName) attribute.slot_type_name = slot.slotTypeName;
      attribute.encrypted_value = await core.encrypt(dek, slot.value);
      return attribute;
    }),
  );
  const data = await core.vault.call("POST", "/items", { body: { template_name: template, item: { label, slots_attributes: attributes } } });
  return toCard(core, obj(data, "item", "POST /items"), list(data, "slots"));
}

/** Set values by slot name or id (unknown names add key_value slots), remove slots by id. */
export async function updateCard(core: Core, id: string, change: { label?: string; slots?: SlotInput[]; remove?: string[] }): Promise<Card> {
  const dek = core.ring().privateDek;
  const current = await core.vault.call("GET", `/items/${seg(id)}`);
  const byKey = new Map<string, Json>();
  for (const s of list(current, "slots")) {
    byKey.set(s.id as string, s);
    const name = str(s, "name");
    if (name && !byKey.has(name)) byKey.set(name, s);
  }
  const attributes: Json[] = [];
  for (const slot of change.slots ?? []) {
    const existing = byKey.get(slot.name);
    const encrypted = await core.encrypt(dek, slot.value);
    if (existing) attributes.push({ id: existing.id, encrypted_value: encrypted });
    else {
      const added: Json = { name: slot.name, slot_type_name: DEFAULT_SLOT_TYPE, encrypted_value: encrypted };
      if (slot.label) added.label = slot.label;
      attributes.push(added);
    }
  }
  for (const key of change.remove ?? []) {
    const existing = byKey.get(key);
    if (existing) attributes.push({ id: existing.id, _destroy: true });
  }
  const item: Json = { slots_attributes: attributes };
  if (change.label !== undefined) item.label = change.label;
  const data = await core.vault.call("PUT", `/items/${seg(id)}`, { body: { item } });
  return toCard(core, obj(data, "item", "PUT /items/{id}"), list(data, "slots"));
}

export async function deleteCard(core: Core, id: string): Promise<void> {
  await core.vault.call("DELETE", `/items/${seg(id)}`, { expectBody: false });
}
