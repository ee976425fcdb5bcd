// Shared pieces of the views: error messages people can act on, progress, a loader hook, the app context.
import { cloneElement, createContext, type VNode } from "preact";
import { useCallback, useContext, useEffect, useId, useState } from "preact/hooks";
import { CryptoFormatError, DecryptionError } from "../crypto";
import { InvalidSecretKey, WrongPassphrase } from "../client/account";
import type { Core, Step } from "../client/core";
import { NotUnlocked } from "../client/core";
import { ApiError, ProtocolError, TransportError } from "../client/http";
import { AcceptanceRequired, ShareUnavailable } from "../client/shares";
import { AttachmentUnavailable, AttachmentUnreadable } from "../client/attachments";
import { SecretKeyMismatch } from "../client/lifecycle";

export interface AppContext {
  core: Core;
  go: (route: string) => void;
  /** Run the client tasks now (after an edit); their progress shows in the header. */
  kickTasks: () => void;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("no app context");
  return ctx;
}

const CODES: Record<string, string> = {
  invitation_used: "This invitation has already been used.",
  invitation_expired: "This invitation has expired. Ask the sender for a new one.",
  gone: "This is no longer available: it was used, expired or deleted.",
  not_found: "Not found: it may have been deleted or revoked.",
  already_connected: "You are already connected with this person.",
  rate_limited: "Too many attempts. Wait a moment and try again.",
  invitation_deleted: "This invitation was cancelled by its sender.",
  email_not_verified: "Verify your email address first (Account → Verify): sending invitations needs a verified address.",
  invalid_code: "That code is not the one we mailed. Check it and try again.",
  code_expired: "That code has expired. Ask for a new one.",
  no_pending_verification: "No code is pending. Ask for a new one.",
  attachment_too_large: "This file is larger than the server accepts for an attachment.",
  storage_quota_exceeded: "Your storage is full: remove some cards, shares or attachments first.",
  email_already_verified: "Your email address is already verified.",
  invalid_email: "That email address is not valid.",
  keys_changed: "Your keys changed on another device while this one was working. Nothing was changed; try again.",
  key_encryption_key_changed: "Your keys were rotated on another device meanwhile. Nothing was changed here; log in again and retry.",
  credentials_changed: "Your passphrase or secret key was changed on another device meanwhile. Nothing was changed here.",
};

/** A sentence for the person, never a stack trace or a value. */
export function describe(error: unknown): string {
  if (error instanceof TransportError) {
    return "Cannot reach the Strongroom server. Check that it is running and your connection, then try again.";
  }
  if (error instanceof WrongPassphrase) return "Wrong passphrase or secret key. Nothing was changed; try again.";
  if (error instanceof SecretKeyMismatch) return "The new secret key does not belong to this account (another username). Nothing was changed.";
  if (error instanceof InvalidSecretKey) return "That secret key is malformed. It looks like 1.<username>.<groups of letters and digits>.";
  if (error instanceof ShareUnavailable) return "This share is no longer available: it was revoked, it expired, or it is not yours.";
  if (error instanceof AcceptanceRequired) return "Accept the terms of this share to see its values.";
  if (error instanceof AttachmentUnavailable) return "This file is no longer available to you: the share was revoked or expired, or the file was removed.";
  if (error instanceof AttachmentUnreadable) return "This file cannot be decrypted: it was changed or damaged where it is stored. Nothing was saved.";
  if (error instanceof NotUnlocked) return "The vault is locked. Unlock it with your passphrase.";
  if (error instanceof DecryptionError) return "A value could not be decrypted with your keys.";
  if (error instanceof CryptoFormatError) return `The data is malformed (${error.message}).`;
  if (error instanceof ApiError) {
    if (error.status === 401) return "Your session has ended. Unlock again to continue.";
    if (error.status === 410) return CODES[error.code] ?? "This is no longer available: it was used, expired or deleted.";
    if (error.status === 404) return CODES[error.code] ?? CODES.not_found!;
    return CODES[error.code] ?? `${error.service}: ${error.message}`;
  }
  if (error instanceof ProtocolError) return `Unexpected answer from the server (${error.message}).`;
  return error instanceof Error ? error.message : "Something went wrong.";
}

export function ErrorNote({ error }: { error: unknown }): preact.JSX.Element | null {
  if (error === null || error === undefined) return null;
  return (
    <p class="error" role="alert">
      {describe(error)}
    </p>
  );
}

export function Progress({ steps, busy }: { steps: Step[]; busy: boolean }): preact.JSX.Element | null {
  if (!busy || !steps.length) return null;
  const last = steps[steps.length - 1]!;
  return (
    <p class="progress" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {last.text}
      {last.slow ? " (this takes a few seconds)" : ""}…
    </p>
  );
}

/** Run an action with busy state, the error it raised, and the progress steps the client reported. */
export function useAction(): {
  busy: boolean;
  error: unknown;
  steps: Step[];
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
} {
  const { core } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [steps, setSteps] = useState<Step[]>([]);
  const run = useCallback(
    async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
      setBusy(true);
      setError(null);
      setSteps([]);
      core.onStep = (s) => setSteps((all) => [...all, s]);
      try {
        return await fn();
      } catch (e) {
        setError(e);
        return undefined;
      } finally {
        core.onStep = null;
        setBusy(false);
      }
    },
    [core],
  );
  return { busy, error, steps, run, clear: () => setError(null) };
}

/** Load data on mount (and when `deps` change); `reload` fetches again. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[] = []): { data: T | null; error: unknown; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    fn().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setData(null); // nothing stale stays on screen (a revoked share's values go with it)
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}

/** A labelled control: the <label> names it (for=id), the hint describes it (aria-describedby). */
export function Field(props: { label: string; children: VNode<Record<string, unknown>>; hint?: string }): preact.JSX.Element {
  const id = useId();
  const hintId = `${id}-hint`;
  const control = cloneElement(props.children, { id, "aria-describedby": props.hint ? hintId : undefined });
  return (
    <div class="field">
      <label for={id} class="field-label">
        {props.label}
      </label>
      {control}
      {props.hint ? (
        <span class="hint" id={hintId}>
          {props.hint}
        </span>
      ) : null}
    </div>
  );
}

export function when(value: string | null): string {
  if (!value) return "never";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

/** A `datetime-local` input value as a Date, or null when empty. */
export function localDate(value: string): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function toLocalInput(value: string | null): string {
  if (!value) return "";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
