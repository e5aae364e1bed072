// The signed-in user (GET /api/me) and the role it has on a graph; a 401 anywhere signs the editor out. When the
// hub cannot be reached, the user last signed in on this origin (sessionCache.ts) is used, marked offline, and
// checked again when the network is back. Sign-out forgets that user and every graph kept on this device.
import { createSignal } from "solid-js";
import { ApiError } from "../../shared/errors.ts";
import { allows, type Role, roleFor } from "../../shared/roles.ts";
import { getMe, type Me, signOut as requestSignOut, whenUnauthorized } from "./api.ts";
import { forgetAllGraphs, unsyncedOnDevice } from "./offline.ts";
import {
  cachedSession,
  forgetSession,
  hubUnreachable,
  type KeyValue,
  retryDelayMs,
  SIGN_OUT_PENDING_KEY,
  saveSession,
} from "./sessionCache.ts";

export type Session =
  | { state: "loading" }
  /** offline: the hub could not be reached; `me` is the user last signed in here, checked again on reconnect. */
  | { state: "signed-in"; me: Me; offline: boolean }
  | { state: "signed-out"; why?: string };

const [session, setSession] = createSignal<Session>({ state: "loading" });

export { session };

/** localStorage, or a store that keeps nothing where the browser refuses it (the editor then needs the hub). */
const store: KeyValue = (() => {
  try {
    localStorage.getItem(SIGN_OUT_PENDING_KEY);
    return localStorage;
  } catch {
    return { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };
  }
})();

function remember(me: Me): void {
  try {
    saveSession(store, me, Date.now());
  } catch (error) {
    console.warn("[weft] cannot keep the session for offline use", error);
  }
}

function signedOut(why?: string): void {
  stopRetrying();
  forgetSession(store);
  setSession({ state: "signed-out", why });
}

whenUnauthorized(() => signedOut("Your session ended; sign in again."));

export async function loadSession(): Promise<void> {
  if (store.getItem(SIGN_OUT_PENDING_KEY)) await finishSignOut();
  try {
    const me = await getMe();
    remember(me);
    setSession({ state: "signed-in", me, offline: false });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      signedOut(error.status === 401 ? undefined : error.message);
      return;
    }
    const cached = hubUnreachable(error) ? cachedSession(store, Date.now()) : undefined;
    if (cached) {
      setSession({ state: "signed-in", me: cached, offline: true });
      retrySoon();
    } else {
      setSession({ state: "signed-out", why: `The hub could not be reached: ${(error as Error).message}` });
    }
  }
}

// ---- checking an offline session again -------------------------------------------------------------------------

let retryTimer: ReturnType<typeof setTimeout> | undefined;
let attempts = 0;

function retrySoon(): void {
  if (retryTimer !== undefined) return;
  retryTimer = setTimeout(() => {
    retryTimer = undefined;
    void revalidate();
  }, retryDelayMs(attempts++));
}

function stopRetrying(): void {
  if (retryTimer !== undefined) clearTimeout(retryTimer);
  retryTimer = undefined;
  attempts = 0;
}

/** Asks the hub who is signed in, for a session used offline: online again, or signed out by a 401 (api.ts). */
let revalidating = false;

async function revalidate(): Promise<void> {
  const current = session();
  if (current.state !== "signed-in" || !current.offline) return;
  revalidating = true;
  try {
    const me = await getMe();
    stopRetrying();
    remember(me);
    setSession({ state: "signed-in", me, offline: false });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // whenUnauthorized signed the editor out
    if (error instanceof ApiError && error.status === 403) return signedOut(error.message);
    retrySoon();
  } finally {
    revalidating = false;
  }
}

/** Something reached the hub (a room connected), or the browser is online again: an offline session is checked now. */
export function hubReached(): void {
  const current = session();
  if (current.state !== "signed-in" || !current.offline || revalidating) return;
  stopRetrying();
  void revalidate();
}

if (typeof window !== "undefined") {
  window.addEventListener("online", hubReached);
}

// ---- signing out --------------------------------------------------------------------------------------------------

export function sessionEnded(why: string): void {
  signedOut(why);
}

/**
 * Signs out here at once: the cached user and every graph kept on this device are forgotten (edits the hub has not
 * had are lost, so the user is asked first). The hub's cookie is ended now, or on the next start when the hub
 * cannot be reached.
 */
export async function signOut(): Promise<void> {
  const pending = unsyncedOnDevice();
  if (
    pending > 0 &&
    !confirm(
      `${pending} ${pending === 1 ? "change is" : "changes are"} saved only on this device and not yet on the hub. Signing out deletes them. Sign out anyway?`,
    )
  ) {
    return;
  }
  try {
    store.setItem(SIGN_OUT_PENDING_KEY, "1");
  } catch (error) {
    console.warn("[weft] cannot note the sign-out for the next start", error);
  }
  // Signed out first: the open graph closes its stored copy before the databases are deleted.
  signedOut("You signed out.");
  await forgetAllGraphs().catch((error: unknown) =>
    console.error("[weft] sign-out could not delete the graphs kept on this device", error),
  );
  if (!(await finishSignOut())) {
    setSession({
      state: "signed-out",
      why: "You signed out on this device. The hub could not be reached; its session ends when you are next online.",
    });
  }
}

/** Ends the hub's session cookie (POST /api/logout); false when the hub could not be reached (tried again later). */
async function finishSignOut(): Promise<boolean> {
  try {
    await requestSignOut();
  } catch (error) {
    if (hubUnreachable(error)) return false;
    console.warn("[weft] the hub refused to end the session", error);
  }
  store.removeItem(SIGN_OUT_PENDING_KEY);
  return true;
}

/** The signed-in user's role on `graphId` (or hub-wide), or undefined. */
export function roleOn(graphId?: string): Role | undefined {
  const s = session();
  return s.state === "signed-in" ? roleFor({ role: s.me.role, graphs: s.me.graphs ?? undefined }, graphId) : undefined;
}

export function mayEdit(graphId: string): boolean {
  return allows(roleOn(graphId), "editor");
}

/** The signed-in user's id, or undefined. */
export function signedInUser(): string | undefined {
  const s = session();
  return s.state === "signed-in" ? s.me.user : undefined;
}
