// The account: profile, idle lock, the remembered secret key, logging out everywhere.
import { useState } from "preact/hooks";
import { confirmEmail, me, requestEmailVerification, updateProfile } from "../client/account";
import { REMEMBERED_KEY, rememberSecretKey, rememberedSecretKey } from "./auth";
import { ErrorNote, Field, useAction, useApp, useLoad } from "./ui";

export const IDLE_MINUTES_KEY = "strongroom.idle-lock-minutes";
export const IDLE_CHOICES = [1, 5, 15, 60];

export function idleMinutes(): number {
  try {
    const value = Number(localStorage.getItem(IDLE_MINUTES_KEY));
    return IDLE_CHOICES.includes(value) ? value : 5;
  } catch {
    return 5;
  }
}

export function Account({ onIdleChange, onLogOutEverywhere }: { onIdleChange: (m: number) => void; onLogOutEverywhere: () => void }): preact.JSX.Element {
  const { core } = useApp();
  const profile = useLoad(() => me(core));
  const action = useAction();
  const [fullName, setFullName] = useState<string | null>(null);
  const [email, setEmail] = useState<string | null>(null);
  const [minutes, setMinutes] = useState(idleMinutes());
  const [remembered, setRemembered] = useState(rememberedSecretKey() !== null);
  const [note, setNote] = useState<string | null>(null);
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const fields: { full_name?: string; email?: string } = {};
    if (fullName !== null) fields.full_name = fullName.trim();
    if (email !== null) fields.email = email.trim();
    if (await action.run(async () => (await updateProfile(core, fields), true))) {
      setNote("Profile saved.");
      profile.reload();
    }
  };
  return (
    <section aria-labelledby="account-title">
      <h2 id="account-title">Account</h2>
      <p>
        Username: <code>{core.credentials?.username}</code>
      </p>
      <form onSubmit={save} aria-label="Profile" class="panel">
        <Field label="Your name">
          <input type="text" value={fullName ?? profile.data?.fullName ?? ""} onInput={(e) => setFullName(e.currentTarget.value)} />
        </Field>
        <Field label="Email">
          <input type="email" value={email ?? profile.data?.email ?? ""} onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={action.busy}>
          Save profile
        </button>
        {note ? <p role="status">{note}</p> : null}
        <ErrorNote error={action.error ?? profile.error} />
      </form>
      {profile.data?.email ? <VerifyEmail verified={profile.data.verifiedAt !== null} onVerified={profile.reload} /> : null}
      <div class="panel">
        <Field label="Lock after inactivity">
          <select
            value={String(minutes)}
            onChange={(e) => {
              const m = Number(e.currentTarget.value);
              setMinutes(m);
              try {
                localStorage.setItem(IDLE_MINUTES_KEY, String(m));
              } catch {
                // not remembered
              }
              onIdleChange(m);
            }}
          >
            {IDLE_CHOICES.map((m) => (
              <option key={m} value={String(m)}>
                {m} minute{m > 1 ? "s" : ""}
              </option>
            ))}
          </select>
        </Field>
        <p>
          {remembered
            ? `Your secret key is remembered in this browser (local storage "${REMEMBERED_KEY}"). Your passphrase never is.`
            : "Your secret key is not stored in this browser."}
        </p>
        {remembered ? (
          <button
            class="secondary"
            onClick={() => {
              rememberSecretKey(null);
              setRemembered(false);
            }}
          >
            Forget my secret key on this device
          </button>
        ) : (
          <button
            class="secondary"
            onClick={() => {
              rememberSecretKey(core.credentials?.secretKey ?? null);
              setRemembered(rememberedSecretKey() !== null);
            }}
          >
            Remember my secret key on this device
          </button>
        )}
      </div>
      <button class="danger" onClick={onLogOutEverywhere}>
        Log out everywhere
      </button>
    </section>
  );
}

/** Servers that need a verified address before invitations mail a code; the person types it here. */
function VerifyEmail({ verified, onVerified }: { verified: boolean; onVerified: () => void }): preact.JSX.Element {
  const { core } = useApp();
  const action = useAction();
  const [code, setCode] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  if (verified) {
    return (
      <p class="panel" role="status">
        Your email address is verified.
      </p>
    );
  }
  const send = async (): Promise<void> => {
    const to = await action.run(() => requestEmailVerification(core));
    if (to !== undefined) setSentTo(to ?? "your address");
  };
  const confirm = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (await action.run(async () => (await confirmEmail(core, code.trim()), true))) {
      setCode("");
      onVerified();
    }
  };
  return (
    <form onSubmit={confirm} aria-label="Verify email" class="panel">
      <p>Your email address is not verified. Sending invitations may need a verified address.</p>
      <button type="button" class="secondary" onClick={send} disabled={action.busy}>
        Send verification code
      </button>
      {sentTo ? <p role="status">A code was mailed to {sentTo}.</p> : null}
      <Field label="Verification code">
        <input type="text" inputMode="numeric" autoComplete="one-time-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={action.busy || !code.trim()}>
        Confirm code
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}
