// Sign-up (with the emergency kit), log-in, unlock. The passphrase is never stored; the secret key only
// when the person asks for it on this device (the one labelled exception).
import { useState } from "preact/hooks";
import { logIn, signUp } from "../client/account";
import type { Credentials } from "../client/core";
import { ErrorNote, Field, Progress, useAction, useApp } from "./ui";

export const REMEMBERED_KEY = "strongroom.remembered-secret-key";
export const MIN_PASSPHRASE = 8;

export function rememberedSecretKey(): string | null {
  try {
    return localStorage.getItem(REMEMBERED_KEY);
  } catch {
    return null;
  }
}

export function rememberSecretKey(secretKey: string | null): void {
  try {
    if (secretKey) localStorage.setItem(REMEMBERED_KEY, secretKey);
    else localStorage.removeItem(REMEMBERED_KEY);
  } catch {
    // storage disabled: nothing is remembered
  }
}

/** `notice`: why the person is here (the account was deleted), shown above the forms. */
export function Welcome({ onIn, invitationToken, notice }: { onIn: () => void; invitationToken?: string; notice?: string | null }): preact.JSX.Element {
  const [mode, setMode] = useState<"login" | "signup">(rememberedSecretKey() ? "login" : "signup");
  const [kit, setKit] = useState<Credentials | null>(null);
  if (kit) return <EmergencyKit credentials={kit} onDone={onIn} />;
  return (
    <main class="welcome">
      <h1>Strongroom</h1>
      <p class="lead">Your cards, end-to-end encrypted. Keys never leave this page.</p>
      {notice ? <p role="status" class="panel">{notice}</p> : null}
      <div class="tabs" role="tablist" aria-label="Account">
        <button role="tab" aria-selected={mode === "login"} onClick={() => setMode("login")}>
          Log in
        </button>
        <button role="tab" aria-selected={mode === "signup"} onClick={() => setMode("signup")}>
          Create account
        </button>
      </div>
      {mode === "login" ? <LogInForm onIn={onIn} /> : <SignUpForm onCreated={setKit} invitationToken={invitationToken} />}
    </main>
  );
}

function SignUpForm({ onCreated, invitationToken }: { onCreated: (c: Credentials) => void; invitationToken?: string }): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [passphrase, setPassphrase] = useState("");
  const [confirm, setConfirm] = useState("");
  const [fullName, setFullName] = useState("");
  const [email, setEmail] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (passphrase.length < MIN_PASSPHRASE) return setProblem(`Choose a passphrase of at least ${MIN_PASSPHRASE} characters.`);
    if (passphrase !== confirm) return setProblem("The two passphrases differ.");
    setProblem(null);
    const made = await action.run(() => signUp(core, passphrase, { fullName: fullName.trim(), email: email.trim() }, invitationToken));
    if (made) onCreated(made);
  };
  return (
    <form onSubmit={submit} aria-label="Create account">
      <Field label="Passphrase" hint="Long and memorable. Nobody can reset it for you.">
        <input type="password" autoComplete="new-password" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} required />
      </Field>
      <Field label="Repeat passphrase">
        <input type="password" autoComplete="new-password" value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} required />
      </Field>
      <Field label="Your name" hint="Shown to people you connect with.">
        <input type="text" autoComplete="name" value={fullName} onInput={(e) => setFullName(e.currentTarget.value)} />
      </Field>
      <Field label="Email" hint="Invitations sent to this address reach you.">
        <input type="email" autoComplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      {problem ? <p class="error" role="alert">{problem}</p> : null}
      <ErrorNote error={action.error} />
      <Progress steps={action.steps} busy={action.busy} />
      <button type="submit" disabled={action.busy}>
        Create account
      </button>
    </form>
  );
}

function kitText(credentials: { username: string; secretKey: string }): string {
  return [
    "Strongroom emergency kit",
    "========================",
    "",
    `Server:     ${location.origin}/`,
    `Username:   ${credentials.username}`,
    `Secret key: ${credentials.secretKey}`,
    "",
    "Your secret key and your passphrase together open your vault. Nobody, not even the",
    "server's operator, can recover them for you. Keep this file somewhere safe and offline;",
    "your passphrase is not in it: write it below by hand if you print this kit.",
    "",
    "Passphrase: ______________________________",
    "",
  ].join("\n");
}

/** The secret key shown once, with copy and emergency-kit download (sign-up and a secret key rotation). */
export function KitDetails({ credentials, label = "Your secret key" }: { credentials: { username: string; secretKey: string }; label?: string }): preact.JSX.Element {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(credentials.secretKey);
      setCopied("Secret key copied to the clipboard.");
    } catch {
      setCopied("Copying is not allowed here: select the key and copy it by hand.");
    }
  };
  const download = (): void => {
    const url = URL.createObjectURL(new Blob([kitText(credentials)], { type: "text/plain" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `strongroom-emergency-kit-${credentials.username}.txt`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <>
      <Field label={label}>
        <input type="text" readOnly value={credentials.secretKey} class="secret" onFocus={(e) => e.currentTarget.select()} />
      </Field>
      <div class="row">
        <button type="button" onClick={copy}>
          Copy secret key
        </button>
        <button type="button" onClick={download}>
          Download emergency kit
        </button>
      </div>
      {copied ? <p role="status">{copied}</p> : null}
    </>
  );
}

export function EmergencyKit({ credentials, onDone }: { credentials: Credentials; onDone: () => void }): preact.JSX.Element {
  const [saved, setSaved] = useState(false);
  const [remember, setRemember] = useState(false);
  return (
    <main class="welcome">
      <h1>Your emergency kit</h1>
      <p>
        This is your <strong>secret key</strong>. It is shown this once: the server never sees it. With your passphrase it
        opens your vault on any device.
      </p>
      <KitDetails credentials={credentials} />
      <label class="check">
        <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} />
        Remember my secret key on this device (stored in this browser; never the passphrase)
      </label>
      <label class="check">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} />
        I have saved my emergency kit
      </label>
      <button
        type="button"
        disabled={!saved}
        onClick={() => {
          rememberSecretKey(remember ? credentials.secretKey : null);
          onDone();
        }}
      >
        Continue to my vault
      </button>
    </main>
  );
}

function LogInForm({ onIn }: { onIn: () => void }): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const remembered = rememberedSecretKey();
  const [secretKey, setSecretKey] = useState(remembered ?? "");
  const [passphrase, setPassphrase] = useState("");
  const [remember, setRemember] = useState(remembered !== null);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const done = await action.run(() => logIn(core, secretKey.trim(), passphrase));
    if (done) {
      setPassphrase("");
      rememberSecretKey(remember ? done.secretKey : null);
      onIn();
    }
  };
  return (
    <form onSubmit={submit} aria-label="Log in">
      <Field label="Secret key">
        <input type="text" autoComplete="off" spellcheck={false} value={secretKey} onInput={(e) => setSecretKey(e.currentTarget.value)} required />
      </Field>
      <Field label="Passphrase">
        <input type="password" autoComplete="current-password" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} required />
      </Field>
      <label class="check">
        <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} />
        Remember my secret key on this device (never the passphrase)
      </label>
      <ErrorNote error={action.error} />
      <Progress steps={action.steps} busy={action.busy} />
      <button type="submit" disabled={action.busy}>
        Log in
      </button>
    </form>
  );
}

/** The unlock screen: after a lock (keys forgotten) or when the session ended under an open form. */
export function UnlockForm(props: { reason: string; onUnlock: (passphrase: string) => Promise<void>; onLogOut: () => void }): preact.JSX.Element {
  const action = useAction();
  const [passphrase, setPassphrase] = useState("");
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const ok = await action.run(async () => {
      await props.onUnlock(passphrase);
      return true;
    });
    if (ok) setPassphrase("");
  };
  return (
    <form onSubmit={submit} aria-label="Unlock" class="unlock">
      <h2>Unlock Strongroom</h2>
      <p>{props.reason}</p>
      <Field label="Passphrase">
        <input type="password" autoComplete="current-password" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} required autoFocus />
      </Field>
      <ErrorNote error={action.error} />
      <Progress steps={action.steps} busy={action.busy} />
      <div class="row">
        <button type="submit" disabled={action.busy}>
          Unlock
        </button>
        <button type="button" class="secondary" onClick={props.onLogOut}>
          Log out
        </button>
      </div>
    </form>
  );
}
