// The shell: which screen shows (welcome, vault, locked), the hash routes inside the vault, the idle lock,
// the session-expiry dialog (over the open view, so nothing typed is lost) and the client-task runner.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { logIn, logOut, unlock } from "../client/account";
import { Core } from "../client/core";
import { ApiError } from "../client/http";
import { type TaskRun, runClientTasks } from "../client/tasks";
import { Account, idleMinutes } from "./account";
import { UnlockForm, Welcome } from "./auth";
import { Backup } from "./backup";
import { CardList, CardView, NewCard } from "./cards";
import { AcceptInvitation, ConnectionView, Connections, Invitations, type PendingInvitation } from "./people";
import { Security } from "./security";
import { Incoming, Outgoing, SharedCardView } from "./sharing";
import { Ctx, describe } from "./ui";

type Phase = "out" | "in" | "locked";

/** An invitation link (#/accept?invitation=&token=): read once, then taken out of the address bar. */
function takeInvitation(): PendingInvitation | null {
  const hash = location.hash;
  if (!hash.startsWith("#/accept")) return null;
  const params = new URLSearchParams(hash.slice(hash.indexOf("?") + 1));
  const token = params.get("token");
  history.replaceState(null, "", `${location.pathname}#/accept`);
  return token ? { token, invitationId: params.get("invitation") } : null;
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash || "#/cards");
  useEffect(() => {
    const on = (): void => setHash(location.hash || "#/cards");
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash;
}

interface TaskState {
  running: boolean;
  done: number;
  total: number;
  message: string;
}

const TASK_NAMES: Record<string, string> = {
  update_shares: "updating shared copies",
  delete_encryption_space: "deleting a share's key",
  delete_keypair: "deleting a connection key",
};

function taskSummary(runs: TaskRun[]): string {
  const failed = runs.filter((r) => r.state === "failed").length;
  if (failed) return `${failed} client task(s) failed; they will be retried.`;
  const updates = runs.filter((r) => r.workType === "update_shares");
  const deleted = runs.filter((r) => r.deleted).length;
  const parts: string[] = [];
  if (updates.length || !runs.length) parts.push(updates.length ? `Shared copies up to date (${updates.reduce((n, r) => n + r.updatedShares, 0)} share(s) updated).` : "Shared copies up to date.");
  if (runs.length > updates.length) parts.push(`Keystore cleaned up (${deleted} key(s) deleted).`);
  return parts.join(" ");
}

export function App(): preact.JSX.Element {
  const core = useMemo(() => new Core(location.origin), []);
  const [phase, setPhase] = useState<Phase>("out");
  const [expired, setExpired] = useState(false);
  const [pending, setPending] = useState<PendingInvitation | null>(() => takeInvitation());
  const [idle, setIdle] = useState(idleMinutes());
  // Why the welcome screen shows (the account was deleted); cleared by the next sign-in.
  const [notice, setNotice] = useState<string | null>(null);
  // Clicking the menu entry of the screen already open loads it afresh.
  const [visit, setVisit] = useState(0);
  const [tasks, setTasks] = useState<TaskState>({ running: false, done: 0, total: 0, message: "" });
  const hash = useHash();
  const running = useRef(false);
  // The last input, kept across re-renders: changing the idle setting does not restart the idle window.
  const lastActivity = useRef(Date.now());
  const again = useRef(false);
  const phaseRef = useRef(phase);
  phaseRef.current = phase;

  useEffect(() => {
    const on = (): void => {
      if (phaseRef.current === "in") setExpired(true);
    };
    core.keystore.onUnauthorized = on;
    core.vault.onUnauthorized = on;
    const onHash = (): void => {
      const taken = takeInvitation();
      if (taken) setPending(taken);
    };
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, [core]);

  const go = useCallback((route: string) => {
    location.hash = route;
  }, []);

  const kickTasks = useCallback(() => {
    if (running.current) {
      again.current = true;
      return;
    }
    running.current = true;
    void (async () => {
      do {
        again.current = false;
        if (!core.keys) break;
        setTasks((t) => ({ ...t, running: true, message: "Checking for client tasks…" }));
        try {
          const runs = await runClientTasks(core, (done, total, workType) =>
            setTasks({ running: true, done, total, message: total ? `Client tasks: ${done} of ${total} done (${TASK_NAMES[workType] ?? "checking"})…` : "Checking…" }),
          );
          setTasks({ running: false, done: runs.length, total: runs.length, message: taskSummary(runs) });
        } catch (e) {
          setTasks({ running: false, done: 0, total: 0, message: `Shared copies not updated: ${describe(e)}` });
        }
      } while (again.current);
      running.current = false;
    })();
  }, [core]);

  const lock = useCallback(() => {
    core.forgetKeys();
    setPhase("locked");
  }, [core]);

  const signedIn = useCallback(() => {
    lastActivity.current = Date.now();
    setPhase("in");
    setExpired(false);
    setNotice(null);
    if (!pending && (location.hash === "" || location.hash.startsWith("#/accept"))) location.hash = "#/cards";
    kickTasks();
  }, [kickTasks, pending]);

  const doLogOut = useCallback(
    async (everywhere = false) => {
      if (everywhere) await core.keystore.call("DELETE", "/session/all", { expectBody: false }).catch(() => undefined);
      await logOut(core).catch(() => undefined);
      setExpired(false);
      setPhase("out");
      location.hash = "";
    },
    [core],
  );

  // Idle lock: any input resets the timer; the keys are forgotten when it runs out.
  useEffect(() => {
    if (phase !== "in") return;
    const touch = (): void => {
      lastActivity.current = Date.now();
    };
    const events = ["pointerdown", "keydown", "wheel", "touchstart"];
    events.forEach((e) => addEventListener(e, touch, { passive: true }));
    const timer = setInterval(() => {
      if (Date.now() - lastActivity.current >= idle * 60_000) lock();
    }, 5_000);
    const poll = setInterval(kickTasks, 30_000);
    return () => {
      events.forEach((e) => removeEventListener(e, touch));
      clearInterval(timer);
      clearInterval(poll);
    };
  }, [phase, idle, lock, kickTasks]);

  const deleted = useCallback(() => {
    core.useTokens(null, null);
    setExpired(false);
    setNotice("Your account was deleted from this server, with every card, key and share. This secret key no longer opens anything.");
    setPhase("out");
    location.hash = "";
  }, [core]);

  const ctx = useMemo(() => ({ core, go, kickTasks }), [core, go, kickTasks]);

  let body: preact.JSX.Element;
  if (phase === "out") {
    body = <Welcome onIn={signedIn} invitationToken={pending?.token} notice={notice} />;
  } else if (phase === "locked") {
    body = (
      <main class="welcome">
        <h1>Strongroom</h1>
        <UnlockForm
          reason="Strongroom is locked: your keys were forgotten. Your passphrase opens it again."
          onUnlock={async (passphrase) => {
            try {
              await unlock(core, passphrase);
            } catch (e) {
              // The session ended while locked: log in again with the secret key kept in memory.
              if (!(e instanceof ApiError && e.status === 401) || !core.credentials) throw e;
              await logIn(core, core.credentials.secretKey, passphrase);
            }
            signedIn();
          }}
          onLogOut={() => void doLogOut()}
        />
      </main>
    );
  } else {
    body = (
      <div class="shell">
        <header>
          <span class="brand">Strongroom</span>
          <nav aria-label="Main" onClick={() => setVisit((v) => v + 1)}>
            <a href="#/cards" aria-current={hash.startsWith("#/cards") ? "page" : undefined}>
              Cards
            </a>
            <a href="#/shared-with-me" aria-current={hash.startsWith("#/shared-with-me") ? "page" : undefined}>
              Shared with me
            </a>
            <a href="#/shared-by-me" aria-current={hash.startsWith("#/shared-by-me") ? "page" : undefined}>
              Shared by me
            </a>
            <a href="#/connections" aria-current={hash.startsWith("#/connections") ? "page" : undefined}>
              Connections
            </a>
            <a href="#/invitations" aria-current={hash.startsWith("#/invitations") ? "page" : undefined}>
              Invitations
            </a>
            <a href="#/account" aria-current={hash.startsWith("#/account") ? "page" : undefined}>
              Account
            </a>
            <a href="#/security" aria-current={hash.startsWith("#/security") ? "page" : undefined}>
              Security
            </a>
            <a href="#/export" aria-current={hash.startsWith("#/export") ? "page" : undefined}>
              Export
            </a>
          </nav>
          <div class="actions">
            <button class="secondary" onClick={lock}>
              Lock
            </button>
            <button class="secondary" onClick={() => void doLogOut()}>
              Log out
            </button>
          </div>
        </header>
        <p class="tasks" role="status" aria-label="Client tasks">
          {tasks.running ? <span class="spinner" aria-hidden="true" /> : null}
          {tasks.message}
        </p>
        <main inert={expired} aria-hidden={expired ? "true" : undefined}>
          {pending ? <AcceptInvitation pending={pending} onDone={() => setPending(null)} /> : <Route key={`${hash}|${visit}`} hash={hash} onIdle={setIdle} onLogOutEverywhere={() => void doLogOut(true)} onDeleted={deleted} />}
        </main>
        {expired ? (
          <div class="overlay" role="dialog" aria-modal="true" aria-label="Session ended">
            <UnlockForm
              reason="Your session ended. Unlock to continue where you were: what you typed is kept."
              onUnlock={async (passphrase) => {
                if (!core.credentials) throw new Error("log in again");
                await logIn(core, core.credentials.secretKey, passphrase);
                setExpired(false);
              }}
              onLogOut={() => void doLogOut()}
            />
          </div>
        ) : null}
      </div>
    );
  }
  return <Ctx.Provider value={ctx}>{body}</Ctx.Provider>;
}

function Route(props: { hash: string; onIdle: (m: number) => void; onLogOutEverywhere: () => void; onDeleted: () => void }): preact.JSX.Element {
  const { hash, onIdle, onLogOutEverywhere } = props;
  const [path] = hash.slice(1).split("?");
  const parts = (path ?? "").split("/").filter(Boolean);
  const [top, id] = [parts[0] ?? "cards", parts[1]];
  switch (top) {
    case "cards":
      if (id === "new") return <NewCard />;
      return id ? <CardView key={id} id={id} /> : <CardList />;
    case "shared-with-me":
      return id ? <SharedCardView key={id} id={id} /> : <Incoming />;
    case "shared-by-me":
      return <Outgoing />;
    case "connections":
      return id ? <ConnectionView key={id} id={id} /> : <Connections />;
    case "invitations":
      return <Invitations />;
    case "export":
      return <Backup />;
    case "account":
      return <Account onIdleChange={onIdle} onLogOutEverywhere={onLogOutEverywhere} />;
    case "security":
      return <Security onDeleted={props.onDeleted} />;
    default:
      return <CardList />;
  }
}
