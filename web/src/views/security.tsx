// Account security: a new passphrase, a new secret key (its emergency kit saved before the switch), KEK
// rotation, the sessions of both services, deleting the account everywhere. Every passphrase typed here stays
// in this component's state only as long as its form is on screen; the crypto runs in client/lifecycle.
import { useState } from "preact/hooks";
import { changePassphrase, deleteAccount, newSecretKey, rotateKeys, rotateSecretKey } from "../client/lifecycle";
import { KitDetails, MIN_PASSPHRASE, rememberSecretKey, rememberedSecretKey } from "./auth";
import { Sessions } from "./sessions";
import { ErrorNote, Field, Progress, useAction, useApp } from "./ui";

export const DELETE_PHRASE = "delete my account";

export function Security({ onDeleted }: { onDeleted: () => void }): preact.JSX.Element {
  return (
    <section aria-labelledby="security-title">
      <h2 id="security-title">Security</h2>
      <p class="muted">Every change here is made in this page: your passphrase, secret key and keys never reach the server.</p>
      <ChangePassphrase />
      <RotateSecretKey />
      <RotateKeys />
      <Sessions />
      <DeleteAccount onDeleted={onDeleted} />
    </section>
  );
}

function ChangePassphrase(): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [endOthers, setEndOthers] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setDone(null);
    action.clear(); // the last refusal is not the answer to what is typed now
    if (next.length < MIN_PASSPHRASE) return setProblem(`Choose a new passphrase of at least ${MIN_PASSPHRASE} characters.`);
    if (next !== repeat) return setProblem("The two new passphrases differ.");
    if (next === current) return setProblem("The new passphrase is the current one: nothing to change.");
    setProblem(null);
    if (await action.run(async () => (await changePassphrase(core, current, next, endOthers), true))) {
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone(`Passphrase changed: use the new one from now on.${endOthers ? " Your other sessions, Keystore and Vault, were ended." : ""}`);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Change passphrase" class="panel">
      <h3>Change passphrase</h3>
      <Field label="Current passphrase">
        <input type="password" autoComplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} required />
      </Field>
      <Field label="New passphrase" hint="Long and memorable. Nobody can reset it for you.">
        <input type="password" autoComplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} required />
      </Field>
      <Field label="Repeat new passphrase">
        <input type="password" autoComplete="new-password" value={repeat} onInput={(e) => setRepeat(e.currentTarget.value)} required />
      </Field>
      <label class="check">
        <input type="checkbox" checked={endOthers} onChange={(e) => setEndOthers(e.currentTarget.checked)} />
        Log out my other sessions (Keystore and Vault: they log in again with the new passphrase)
      </label>
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
      <ErrorNote error={action.error} />
      <Progress steps={action.steps} busy={action.busy} />
      {done ? <p role="status">{done}</p> : null}
      <button type="submit" disabled={action.busy}>
        Change passphrase
      </button>
    </form>
  );
}

/** The new key is made and shown first; only once the person says it is saved does the Keystore switch, so an
 * interruption never leaves an account that only an unsaved key opens. */
function RotateSecretKey(): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [pending, setPending] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState("");
  const [saved, setSaved] = useState(false);
  const [endOthers, setEndOthers] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const username = core.credentials?.username ?? "";
  const start = (): void => {
    action.clear();
    setDone(null);
    setSaved(false);
    setPending(newSecretKey(core));
  };
  const cancel = (): void => {
    action.clear();
    setPending(null);
    setPassphrase("");
  };
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!pending || !saved) return;
    const remembered = rememberedSecretKey() === core.credentials?.secretKey;
    if (await action.run(async () => (await rotateSecretKey(core, passphrase, pending, endOthers), true))) {
      // A key remembered on this device would no longer open the account: it follows the change.
      if (remembered) rememberSecretKey(pending);
      setPending(null);
      setPassphrase("");
      setDone(`Your secret key was replaced: the old one no longer opens your account.${endOthers ? " Your other sessions, Keystore and Vault, were ended." : ""}`);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Rotate secret key" class="panel">
      <h3>Secret key</h3>
      {pending === null ? (
        <>
          <p>A new secret key replaces the one in your emergency kit; your passphrase stays.</p>
          {done ? <p role="status">{done}</p> : null}
          <button type="button" onClick={start}>
            Make a new secret key
          </button>
        </>
      ) : (
        <>
          <p>
            This is your <strong>new secret key</strong>, shown this once. Write it down or download your new emergency kit
            now: once you switch, your old secret key stops working.
          </p>
          <KitDetails credentials={{ username, secretKey: pending }} label="Your new secret key" />
          <Field label="Current passphrase">
            <input type="password" autoComplete="current-password" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} required />
          </Field>
          <label class="check">
            <input type="checkbox" checked={endOthers} onChange={(e) => setEndOthers(e.currentTarget.checked)} />
            Log out my other sessions (Keystore and Vault: they log in again with the new secret key)
          </label>
          <label class="check">
            <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} />
            I have saved my new emergency kit
          </label>
          <ErrorNote error={action.error} />
          <Progress steps={action.steps} busy={action.busy} />
          <div class="row">
            <button type="submit" disabled={action.busy || !saved}>
              Switch to the new secret key
            </button>
            <button type="button" class="secondary" onClick={cancel} disabled={action.busy}>
              Cancel
            </button>
          </div>
        </>
      )}
    </form>
  );
}

function RotateKeys(): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [passphrase, setPassphrase] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setDone(null);
    const count = await action.run(() => rotateKeys(core, passphrase));
    if (count !== undefined) {
      setPassphrase("");
      setDone(`Rotated the key encryption key: ${count} keys re-wrapped; your other sessions, Keystore and Vault, were ended.`);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Rotate keys" class="panel">
      <h3>Rotate keys</h3>
      <p>
        A new key encryption key: every key of your cards, connections and shares is re-wrapped under it in this page and
        swapped at once on the server. Every other session ends, so no device keeps the old key.
      </p>
      <Field label="Current passphrase">
        <input type="password" autoComplete="current-password" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} required />
      </Field>
      <ErrorNote error={action.error} />
      <Progress steps={action.steps} busy={action.busy} />
      {done ? <p role="status">{done}</p> : null}
      <button type="submit" disabled={action.busy}>
        Rotate keys
      </button>
    </form>
  );
}

function DeleteAccount({ onDeleted }: { onDeleted: () => void }): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [passphrase, setPassphrase] = useState("");
  const [typed, setTyped] = useState("");
  const confirmed = typed.trim().toLowerCase() === DELETE_PHRASE;
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!confirmed) return;
    const secretKey = core.credentials?.secretKey;
    if (await action.run(async () => (await deleteAccount(core, passphrase), true))) {
      if (secretKey && rememberedSecretKey() === secretKey) rememberSecretKey(null);
      onDeleted();
    }
  };
  return (
    <form onSubmit={submit} aria-label="Delete account" class="panel">
      <h3>Delete account</h3>
      <p>
        Deletes your account from the Vault (every card, connection and share) and then from the Keystore (every key).
        Shares you gave end for their recipients. This cannot be undone.
      </p>
      <Field label="Current passphrase">
        <input type="password" autoComplete="current-password" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} required />
      </Field>
      <Field label={`Type "${DELETE_PHRASE}" to confirm`}>
        <input type="text" autoComplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
      </Field>
      <ErrorNote error={action.error} />
      <Progress steps={action.steps} busy={action.busy} />
      <button type="submit" class="danger" disabled={action.busy || !confirmed}>
        Delete my account everywhere
      </button>
    </form>
  );
}
