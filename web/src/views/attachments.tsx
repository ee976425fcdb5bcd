// Attachments: attach a file to one's card (encrypted in the page, with progress), and download an attachment
// slot's file (decrypted in the page into a Blob URL that the page revokes when it leaves the screen).
import { useEffect, useState } from "preact/hooks";
import { type AttachmentSlot, type TransferProgress, attachFile, downloadAttachment } from "../client/attachments";
import type { Card } from "../client/cards";
import { ErrorNote, Field, Progress, useAction, useApp } from "./ui";

interface Transfer {
  phase: string;
  done: number;
  total: number;
}

const PHASES: Record<string, string> = { encrypting: "Encrypting", uploading: "Uploading", downloading: "Downloading and decrypting" };

function mib(n: number): string {
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

function useTransfer(): [Transfer | null, TransferProgress, () => void] {
  const [transfer, setTransfer] = useState<Transfer | null>(null);
  return [transfer, (phase, done, total) => setTransfer({ phase, done, total }), () => setTransfer(null)];
}

function TransferBar({ transfer, label }: { transfer: Transfer | null; label: string }): preact.JSX.Element | null {
  if (!transfer) return null;
  const text = `${PHASES[transfer.phase] ?? transfer.phase}: ${mib(transfer.done)} of ${mib(transfer.total)}`;
  return (
    <div class="transfer">
      <progress aria-label={label} value={transfer.done} max={Math.max(transfer.total, 1)} />
      <span class="muted">{text}</span>
    </div>
  );
}

export function AttachForm({ card, onAttached }: { card: Card; onAttached: () => void }): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [file, setFile] = useState<File | null>(null);
  const [inputKey, setInputKey] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  const [transfer, onProgress, clearTransfer] = useTransfer();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!file) return;
    setDone(null);
    const attached = await action.run(() => attachFile(core, card.id, file, onProgress));
    clearTransfer();
    if (attached) {
      setDone(`Attached ${file.name}.`);
      setFile(null);
      setInputKey((k) => k + 1);
      onAttached();
    }
  };
  return (
    <form onSubmit={submit} aria-label="Attach a file" class="panel">
      <h3>Attach a file</h3>
      <Field label="File to attach" hint="Encrypted in this page before it is uploaded; its name is visible to the server.">
        <input key={inputKey} type="file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
      </Field>
      <button type="submit" disabled={action.busy || !file}>
        Attach file
      </button>
      <TransferBar transfer={action.busy ? transfer : null} label="Attachment progress" />
      {done && !action.busy ? <p role="status">{done}</p> : null}
      <ErrorNote error={action.error} />
      <Progress steps={action.steps} busy={action.busy} />
    </form>
  );
}

/** A "Download <name>" button; once decrypted, a "Save <name>" link to the file in the page's memory. */
export function AttachmentDownload({ slot, name }: { slot: AttachmentSlot; name: string }): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [url, setUrl] = useState<string | null>(null);
  const [transfer, onProgress, clearTransfer] = useTransfer();
  useEffect(
    () => () => {
      if (url) URL.revokeObjectURL(url);
    },
    [url],
  );
  const download = async (): Promise<void> => {
    setUrl(null);
    const file = await action.run(() => downloadAttachment(core, slot, onProgress));
    clearTransfer();
    if (file) setUrl(URL.createObjectURL(file));
  };
  return (
    <span class="attachment">
      <button type="button" class="secondary" onClick={download} disabled={action.busy}>
        Download {name}
      </button>
      {url && !action.busy ? (
        <a href={url} download={name}>
          Save {name}
        </a>
      ) : null}
      <TransferBar transfer={action.busy ? transfer : null} label={`Download progress of ${name}`} />
      <ErrorNote error={action.error} />
    </span>
  );
}
