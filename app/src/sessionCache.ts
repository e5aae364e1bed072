// The signed-in user as last answered by GET /api/me, kept in localStorage so the editor opens while the hub
// cannot be reached. It holds who the user is and their role, never a token (the session cookie is HttpOnly);
// sign-out and any 401 remove it. Pure apart from the Storage it is handed.
import { ROLES, type Role } from "../../shared/roles.ts";
import type { Me } from "./api.ts";

export const SESSION_KEY = "weft.session.v1";
/** Set while a sign-out could not reach the hub: the next start ends the session cookie first. */
export const SIGN_OUT_PENDING_KEY = "weft.signOutPending.v1";

/** The part of Storage this module uses (localStorage in the browser, a Map in tests). */
export type KeyValue = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export function saveSession(store: KeyValue, me: Me, nowMs: number): void {
  store.setItem(SESSION_KEY, JSON.stringify({ me, savedAt: nowMs }));
}

export function forgetSession(store: KeyValue): void {
  store.removeItem(SESSION_KEY);
}

/** The cached user, unless there is none, it is not well formed, or its token has expired by `nowMs`. */
export function cachedSession(store: KeyValue, nowMs: number): Me | undefined {
  const text = store.getItem(SESSION_KEY);
  if (!text) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const me = (data as { me?: unknown } | null)?.me;
  if (!isMe(me)) return undefined;
  if (me.expires !== null && me.expires * 1000 <= nowMs) return undefined;
  return me;
}

function isMe(value: unknown): value is Me {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.user === "string" &&
    v.user.length > 0 &&
    typeof v.name === "string" &&
    ROLES.includes(v.role as Role) &&
    (v.graphs === null || (Array.isArray(v.graphs) && v.graphs.every((g) => typeof g === "string"))) &&
    (v.expires === null || (typeof v.expires === "number" && Number.isFinite(v.expires)))
  );
}

/**
 * Whether a failed request means the hub could not be reached, as opposed to the hub answering: fetch's own
 * network error (a TypeError), or a gateway in front of the hub saying so (502, 504). A 401 or 403 is an answer.
 */
export function hubUnreachable(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  const status = (error as { status?: unknown } | null)?.status;
  return status === 502 || status === 504;
}

/** How long to wait before asking the hub again after `attempt` failed tries: 2 s, doubling, at most a minute. */
export function retryDelayMs(attempt: number): number {
  return Math.min(60_000, 2000 * 2 ** Math.max(0, Math.min(attempt, 10)));
}
