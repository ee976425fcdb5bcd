// Export and import: the encrypted export file written in the page (offered as a Blob URL, revoked when the
// screen closes; nothing is stored in web storage), and a chosen file verified whole and then restored.
import { useEffect, useState } from "preact/hooks";
import { ExportError, type ExportCounts, exportVault, importExport } from "../client/export";
import { ErrorNote, Field, Progress, useAction, useApp } from "./ui";

/** Export passphrases shorter than this are refused: the file may travel far and be attacked offline. */
const MIN_EXPORT_PASSPHRASE = 8;

function fileName(username: string | undefined, now: Date): string {
  return `strongroom-${username ?? "export"}-${now.toISOString().slice(0, 10)}.srx`;
}

export function Backup(): preact.JSX.Element {
  return (
    <section aria-labelledby="backup-title">
      <h2 id="backup-title">Export and import</h2>
      <p>
        An export file holds your own cards with their values, your own templates, and the names of your connections
        and shares. It is encrypted in this page under an <em>export passphrase</em> of its own: keep it, without it
        the file opens for nobody. The CLI reads the same file (<code>strongroom import</code>).
      </p>
      <ExportForm />
      <ImportForm />
    </section>
  );
}

function ExportForm(): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [passphrase, setPassphrase] = useState("");
  const [again, setAgain] = useState("");
  const [received, setReceived] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [made, setMade] = useState<{ url: string; name: string; counts: ExportCounts } | null>(null);
  useEffect(
    () => () => {
      if (made) URL.revokeObjectURL(made.url);
    },
    [made],
  );
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setMade(null);
    if (passphrase.length < MIN_EXPORT_PASSPHRASE) return setProblem(`The export passphrase needs at least ${MIN_EXPORT_PASSPHRASE} characters.`);
    if (passphrase !== again) return setProblem("The two export passphrases differ. Type the same one twice.");
    setProblem(null);
    const written = await action.run(() => exportVault(core, passphrase, { includeReceived: received }));
    if (!written) return;
    setPassphrase("");
    setAgain("");
    setMade({ url: URL.createObjectURL(written.file), name: fileName(core.credentials?.username, core.clock()), counts: written.counts });
  };
  return (
    <form onSubmit={submit} aria-label="Export my vault" class="panel">
      <h3>Export</h3>
      <Field label="Export passphrase" hint="Not your account passphrase: a new one for this file.">
        <input type="password" autocomplete="new-password" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} />
      </Field>
      <Field label="Repeat export passphrase">
        <input type="password" autocomplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
      </Field>
      <label class="check">
        <input type="checkbox" checked={received} onChange={(e) => setReceived(e.currentTarget.checked)} /> Include the cards shared with me (as plain copies)
      </label>
      <button type="submit" disabled={action.busy}>
        Export
      </button>
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
      {made && !action.busy ? (
        <p role="status">
          Exported {made.counts.cards} card(s), {made.counts.receivedCards} received card(s) and {made.counts.templates} template(s).{" "}
          <a href={made.url} download={made.name}>
            Save {made.name}
          </a>
        </p>
      ) : null}
      <ErrorNote error={action.error} />
      <Progress steps={action.steps} busy={action.busy} />
    </form>
  );
}

function ImportForm(): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!file) return;
    setDone(null);
    const summary = await action.run(async () => importExport(core, new Uint8Array(await file.arrayBuffer()), passphrase));
    if (summary) {
      setPassphrase("");
      const leftOut = summary.attachmentsLeftOut
        ? ` Left out ${summary.attachmentsLeftOut} attached file(s): an export holds card values, not files.`
        : "";
      setDone(`Imported ${summary.cards} card(s) and ${summary.templates} template(s) from ${file.name}.${leftOut}`);
    }
  };
  const refused = action.error instanceof ExportError;
  return (
    <form onSubmit={submit} aria-label="Import an export file" class="panel">
      <h3>Import</h3>
      <Field label="Export file" hint="Read and verified whole in this page before anything is created.">
        <input type="file" accept=".srx,application/octet-stream" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
      </Field>
      <Field label="Passphrase of the export file">
        <input type="password" autocomplete="off" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={action.busy || !file || !passphrase}>
        Import
      </button>
      {done && !action.busy ? <p role="status">{done}</p> : null}
      {refused ? (
        <p class="error" role="alert">
          {(action.error as ExportError).message} Nothing was imported.
        </p>
      ) : (
        <ErrorNote error={action.error} />
      )}
      <Progress steps={action.steps} busy={action.busy} />
    </form>
  );
}
