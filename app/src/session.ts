// The signed-in user (GET /api/me) and the role it has on a graph; a 401 anywhere signs the editor out.
import { createSignal } from "solid-js";
import { ApiError } from "../../shared/errors.ts";
import { allows, type Role, roleFor } from "../../shared/roles.ts";
import { getMe, type Me, signOut as requestSignOut, whenUnauthorized } from "./api.ts";

export type Session = { state: "loading" } | { state: "signed-in"; me: Me } | { state: "signed-out"; why?: string };

const [session, setSession] = createSignal<Session>({ state: "loading" });

export { session };

whenUnauthorized(() => setSession({ state: "signed-out", why: "Your session ended; sign in again." }));

export async function loadSession(): Promise<void> {
  try {
    setSession({ state: "signed-in", me: await getMe() });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      setSession({ state: "signed-out", why: error.status === 401 ? undefined : error.message });
    } else {
      setSession({ state: "signed-out", why: `The hub could not be reached: ${(error as Error).message}` });
    }
  }
}

export function sessionEnded(why: string): void {
  setSession({ state: "signed-out", why });
}

export async function signOut(): Promise<void> {
  await requestSignOut().catch(() => undefined);
  setSession({ state: "signed-out", why: "You signed out." });
}

/** The signed-in user's role on `graphId` (or hub-wide), or undefined. */
export function roleOn(graphId?: string): Role | undefined {
  const s = session();
  return s.state === "signed-in" ? roleFor({ role: s.me.role, graphs: s.me.graphs ?? undefined }, graphId) : undefined;
}

export function mayEdit(graphId: string): boolean {
  return allows(roleOn(graphId), "editor");
}
