// Who is calling, and may they: access tokens (Bearer, the session cookie, or ?token= on a WebSocket),
// worker tokens, per-graph roles and the cross-site (Origin) check. One place, used by every route.
import { ApiError } from "../shared/errors.ts";
import { allows, type Role, roleFor } from "../shared/roles.ts";
import { type AccessClaims, secretProblem, verifyAccessToken } from "../shared/tokens.ts";
import type { Env } from "./env.ts";
import { hashSecret, parseWorkerToken, timingSafeEqual } from "./workerTokens.ts";

export const SESSION_COOKIE = "weft_session";
/** On https the cookie is `__Host-weft_session`: Secure, Path=/, no Domain, so no sibling host can set it. */
export const HOST_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

export type Caller = { kind: "user"; claims: AccessClaims } | { kind: "worker"; tokenId: string };

/**
 * The caller of a request: undefined when it presents no token (anonymous). A token that is presented but
 * wrong (bad signature, expired, revoked) is a 401 naming why, never silently anonymous.
 */
export async function identify(
  request: Request,
  env: Env,
  options: { query?: boolean } = {},
): Promise<Caller | undefined> {
  const token = presentedToken(request, options.query === true);
  if (!token) return undefined;
  if (looksLikeJwt(token)) {
    const problem = secretProblem(env.WEFT_AUTH_SECRET);
    if (problem)
      throw new ApiError(503, "auth_unset", `${problem}; set it with \`wrangler secret put WEFT_AUTH_SECRET\``);
    const check = await verifyAccessToken(env.WEFT_AUTH_SECRET as string, token);
    if (!check.ok) throw new ApiError(401, check.reason === "expired" ? "token_expired" : "bad_token", check.message);
    return { kind: "user", claims: check.claims };
  }
  const tokenId = await workerTokenId(token, env);
  if (tokenId) return { kind: "worker", tokenId };
  throw new ApiError(401, "bad_token", "the token is neither an access token nor a worker token of this hub");
}

/** Bearer header first, then ?token= (WebSocket clients that cannot set headers), then the session cookie. */
function presentedToken(request: Request, query: boolean): string | undefined {
  const header = request.headers.get("Authorization") ?? "";
  if (header.startsWith("Bearer ")) return header.slice(7).trim() || undefined;
  if (query) {
    const fromQuery = new URL(request.url).searchParams.get("token");
    if (fromQuery) return fromQuery;
  }
  const cookies = request.headers.get("Cookie") ?? "";
  const secure = new URL(request.url).protocol === "https:";
  return secure ? readCookie(cookies, HOST_SESSION_COOKIE) : readCookie(cookies, SESSION_COOKIE);
}

/** The id of a valid worker token: one of WEFT_WORKER_TOKEN's (id "env"), or a hub-issued `wt_…` not revoked. */
async function workerTokenId(token: string, env: Env): Promise<string | undefined> {
  for (const expected of envWorkerTokens(env)) if (timingSafeEqual(token, expected)) return "env";
  const parsed = parseWorkerToken(token);
  if (!parsed) return undefined;
  const valid = await env.Catalogue.getByName("main").checkWorkerToken(parsed.id, await hashSecret(parsed.secret));
  return valid ? parsed.id : undefined;
}

/** WEFT_WORKER_TOKEN may list several tokens (comma or space separated), so a rotation accepts old and new. */
export function envWorkerTokens(env: Env): string[] {
  return (env.WEFT_WORKER_TOKEN ?? "").split(/[\s,]+/).filter((t) => t.length > 0);
}

/** The caller's user claims; anonymous gets 401, a worker token 403. */
export function requireUser(caller: Caller | undefined): AccessClaims {
  if (!caller) {
    throw new ApiError(
      401,
      "unauthorized",
      "sign in: send Authorization: Bearer <access token> (see `weft token create`)",
    );
  }
  if (caller.kind !== "user")
    throw new ApiError(403, "forbidden", "a worker token cannot do this; use an access token");
  return caller.claims;
}

/** Requires `needed` on `graphId` (or hub-wide when graphId is undefined): 401 anonymous, 403 too little. */
export function requireRole(caller: Caller | undefined, graphId: string | undefined, needed: Role): AccessClaims {
  const claims = requireUser(caller);
  const role = roleFor(claims, graphId);
  if (!allows(role, needed)) {
    const where = graphId === undefined ? "on this hub" : `on graph ${graphId}`;
    const have = role ? `your role ${where} is ${role}` : `you have no role ${where}`;
    throw new ApiError(403, "forbidden", `this needs the ${needed} role ${where}; ${have}`);
  }
  return claims;
}

/**
 * Cross-site requests are refused (CSRF, cross-site WebSocket hijacking): a browser names the page's
 * origin in `Origin`; it must be the hub's own or listed in WEFT_ALLOWED_ORIGINS. Clients that are not
 * browsers (the CLI, curl, workers) send no Origin and authenticate with their token.
 */
export function checkOrigin(request: Request, env: Env): void {
  const origin = request.headers.get("Origin");
  if (origin === null) return;
  const own = new URL(request.url).origin;
  const allowed = (env.WEFT_ALLOWED_ORIGINS ?? "").split(/[\s,]+/).filter(Boolean);
  if (origin === own || allowed.includes(origin)) return;
  throw new ApiError(
    403,
    "origin_not_allowed",
    `requests from ${origin.slice(0, 100)} are not allowed; this hub serves ${own} (add others to WEFT_ALLOWED_ORIGINS)`,
  );
}

/** The session cookie for a verified token: HttpOnly, SameSite=Strict, as long-lived as the token. */
export function sessionCookie(token: string, claims: AccessClaims, secure: boolean): string {
  const maxAge = claims.exp ? Math.max(0, claims.exp - Math.floor(Date.now() / 1000)) : 30 * 86400;
  return cookie(token, maxAge, secure);
}

export function clearedSessionCookie(secure: boolean): string {
  return cookie("", 0, secure);
}

function cookie(value: string, maxAge: number, secure: boolean): string {
  const name = secure ? HOST_SESSION_COOKIE : SESSION_COOKIE;
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
}

function readCookie(header: string, name: string): string | undefined {
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=") || undefined;
  }
  return undefined;
}

function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}
