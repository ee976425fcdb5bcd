// Export and import of one's own cards, as the SDK's ExportFlows do it (README "Export files"): the same records
// in the same file, so a file written here imports with `strongroom import` and the other way round.
import { type Template, type NewTemplateSlot, cards, createCard, createTemplate, templates } from "./cards";
import { connections } from "./connections";
import { type Core, iso } from "./core";
import { EXPORT_ITERATIONS, EXPORT_VERSION, ExportError, ExportWriter, readExport } from "./exportFile";
import type { Json } from "./http";
import { AcceptanceRequired, ShareUnavailable, readShare, shares } from "./shares";

export { ExportError };

export interface ExportCounts {
  cards: number;
  receivedCards: number;
  templates: number;
}

export interface ImportSummary {
  cards: number;
  templates: number;
  /** Attachment slots left out: an export holds card values (a file's key), not the attached files. */
  attachmentsLeftOut: number;
}

/** Cards created at a time on import: enough to overlap the round trips, few enough not to flood the Vault. */
const IMPORT_BATCH = 4;

/** The caller's own cards (values included), own templates, connection and share metadata, and with
 * `includeReceived` the cards shared with them as plain copies, encrypted under the export passphrase. */
export async function exportVault(
  core: Core,
  passphrase: string,
  options: { includeReceived?: boolean; iterations?: number } = {},
): Promise<{ file: Blob; counts: ExportCounts }> {
  core.ring();
  const includeReceived = options.includeReceived ?? false;
  const flow = "export";
  core.step(flow, "Deriving the export key from the export passphrase", true);
  const writer = await ExportWriter.create(passphrase, options.iterations ?? EXPORT_ITERATIONS);
  await writer.write({ type: "export", version: EXPORT_VERSION, exported_at: iso(core.clock()), username: core.credentials?.username ?? null, include_received: includeReceived });
  core.step(flow, "Reading your templates and cards");
  const known: Template[] = await templates(core);
  const names = new Map(known.map((t) => [t.id, t.name]));
  const counts: ExportCounts = { cards: 0, receivedCards: 0, templates: 0 };
  for (const t of known) {
    if (t.userId === null) continue;
    const slots = t.slots.map((s) => ({ name: s.name, label: s.label, slot_type_name: s.slotTypeName }));
    await writer.write({ type: "template", name: t.name, label: t.label, description: t.description, slots });
    counts.templates += 1;
  }
  for (const card of await cards(core)) {
    await writer.write({
      type: "card",
      id: card.id,
      template: card.templateId ? (names.get(card.templateId) ?? null) : null,
      label: card.label,
      slots: card.slots.map((s) => ({ name: s.name, label: s.label, slot_type_name: s.slotTypeName, value: s.value })),
      created_at: card.createdAt,
      updated_at: card.updatedAt,
    });
    counts.cards += 1;
  }
  core.step(flow, "Reading your connections and shares");
  for (const c of await connections(core)) {
    await writer.write({ type: "connection", id: c.id, nickname: c.nickname, user_id: c.userId, user_name: c.userName, user_email: c.userEmail, their_fingerprint: c.theirFingerprint });
  }
  const all = [...(await shares(core, true)), ...(await shares(core, false))];
  for (const share of all) {
    await writer.write({
      type: "share",
      id: share.id,
      direction: share.outgoing ? "given" : "received",
      card_id: share.cardId,
      card_label: share.cardLabel,
      connection_id: share.connectionId,
      terms: share.terms,
      distributable: share.distributable,
      parent_share_id: share.parentShareId,
      expires_at: share.expiresAt,
    });
    if (!includeReceived || share.outgoing) continue;
    let shared: Awaited<ReturnType<typeof readShare>>;
    try {
      core.step(flow, `Copying the card shared with you: ${share.cardLabel ?? "a card"}`);
      shared = await readShare(core, share.id);
    } catch (e) {
      if (e instanceof AcceptanceRequired || e instanceof ShareUnavailable) continue; // terms not accepted, or gone
      throw e;
    }
    await writer.write({
      type: "received_card",
      share_id: share.id,
      label: shared.label,
      template_label: shared.templateLabel,
      slots: shared.slots.map((s) => ({ name: s.name, label: s.label, slot_type_name: s.slotTypeName, value: s.value })),
    });
    counts.receivedCards += 1;
  }
  await writer.write({ type: "end", cards: counts.cards, received_cards: counts.receivedCards, templates: counts.templates });
  core.step(flow, "Sealing the file");
  return { file: await writer.close(), counts };
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function slotsOf(record: Json): Json[] {
  return Array.isArray(record.slots) ? (record.slots.filter((s) => typeof s === "object" && s !== null && !Array.isArray(s)) as Json[]) : [];
}

/** Restore the cards (and own templates) of an export file into the caller's account. The whole file is
 * verified first (ExportError: wrong passphrase, altered, truncated, unknown version) and then nothing is
 * created. Received cards come in as the caller's own (a `note` when their template is unknown here). */
export async function importExport(core: Core, data: Uint8Array, passphrase: string): Promise<ImportSummary> {
  core.ring();
  const flow = "import";
  core.step(flow, "Deriving the export key and verifying the whole file", true);
  const records = await readExport(data, passphrase);
  const known = new Set((await templates(core)).map((t) => t.name));
  const summary: ImportSummary = { cards: 0, templates: 0, attachmentsLeftOut: 0 };
  let batch: Parameters<typeof createCard>[] = [];
  const flush = async (): Promise<void> => {
    core.step(flow, `Creating cards (${summary.cards + batch.length} so far)`);
    await Promise.all(batch.map((args) => createCard(...args)));
    summary.cards += batch.length;
    batch = [];
  };
  for (const record of records) {
    if (record.type === "template" && !known.has(String(record.name))) {
      const slots: NewTemplateSlot[] = slotsOf(record).map((s) => ({ name: text(s.name) ?? undefined, label: text(s.label), slotTypeName: text(s.slot_type_name) }));
      core.step(flow, `Creating the template ${text(record.label) ?? text(record.name) ?? ""}`);
      await createTemplate(core, { label: text(record.label) || text(record.name) || "Imported", name: text(record.name) ?? undefined, slots });
      known.add(String(record.name));
      summary.templates += 1;
    } else if (record.type === "card" || record.type === "received_card") {
      const template = record.type === "card" ? text(record.template) : null;
      const all = slotsOf(record).filter((s) => text(s.name) || text(s.label));
      const kept = all.filter((s) => text(s.slot_type_name) !== "attachment"); // a file key without its file
      summary.attachmentsLeftOut += all.length - kept.length;
      const slots = kept
        .map((s) => ({ name: text(s.name) ?? text(s.label)!, value: text(s.value), label: text(s.label) ?? undefined, slotTypeName: text(s.slot_type_name) ?? undefined }));
      batch.push([core, template !== null && known.has(template) ? template : "note", text(record.label) || "Imported card", slots]);
      if (batch.length === IMPORT_BATCH) await flush();
    }
  }
  if (batch.length) await flush();
  return summary;
}
