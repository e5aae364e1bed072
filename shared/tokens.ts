// Access tokens (signed JWTs, HS256 with the hub's WEFT_AUTH_SECRET) and the roles they grant.
// Used by the hub to check every request and by `weft token create` to sign one.
import { errors, jwtVerify, SignJWT } from "jose";
import { utf8Bytes } from "./docModel.ts";

import { type AccessGrant, ROLES, type Role } from "./roles.ts";

export { ROLES, type Role };

const ISSUER = "weft";
const AUDIENCE = "weft-hub";
/** The shortest secret the hub accepts (bytes of UTF-8). */
export const MIN_SECRET_LENGTH = 32;
/** User ids: letters, digits and `. _ @ -`, 1..64 (they end up in logs and connection tags). */
export const USER_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

export interface AccessClaims extends AccessGrant {
  /** The user id. */
  sub: string;
  /** Display name. */
  name: string;
  /** Expiry, seconds since the epoch (absent: never). */
  exp?: number;
  iat?: number;
}

export interface TokenRequest {
  user: string;
  name?: string;
  role: Role;
  graphs?: string[];
  /** Lifetime in seconds; 0 or absent: the token never expires. */
  ttlSeconds?: number;
}

export type TokenCheck =
  | { ok: true; claims: AccessClaims }
  | { ok: false; reason: "expired" | "bad_signature" | "malformed"; message: string };

export async function signAccessToken(secret: string, request: TokenRequest, now = Date.now()): Promise<string> {
  const problem = secretProblem(secret);
  if (problem) throw new Error(problem);
  if (!USER_PATTERN.test(request.user))
    throw new Error(`user "${request.user}" must be 1-64 letters, digits or . _ @ -`);
  const iat = Math.floor(now / 1000);
  const jwt = new SignJWT({
    name: request.name ?? request.user,
    role: request.role,
    ...(request.graphs && request.graphs.length > 0 ? { graphs: request.graphs } : {}),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(request.user)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat);
  if (request.ttlSeconds && request.ttlSeconds > 0) jwt.setExpirationTime(iat + request.ttlSeconds);
  return jwt.sign(key(secret));
}

/** Verifies a token's signature, issuer, audience and expiry, and the shape of its claims. */
export async function verifyAccessToken(secret: string, token: string, now = Date.now()): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
      currentDate: new Date(now),
    });
    const { sub, name, role, graphs, exp, iat } = payload as Record<string, unknown>;
    if (typeof sub !== "string" || !USER_PATTERN.test(sub)) return malformed("its user id is missing or invalid");
    if (typeof role !== "string" || !ROLES.includes(role as Role))
      return malformed("its role is not viewer, editor or admin");
    if (graphs !== undefined && !(Array.isArray(graphs) && graphs.every((g) => typeof g === "string"))) {
      return malformed("its graphs are not a list of graph ids");
    }
    const claims: AccessClaims = { sub, name: typeof name === "string" ? name.slice(0, 200) : sub, role: role as Role };
    if (graphs) claims.graphs = graphs as string[];
    if (typeof exp === "number") claims.exp = exp;
    if (typeof iat === "number") claims.iat = iat;
    return { ok: true, claims };
  } catch (error) {
    if (error instanceof errors.JWTExpired)
      return { ok: false, reason: "expired", message: "the access token has expired" };
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return { ok: false, reason: "bad_signature", message: "the access token's signature is not this hub's" };
    }
    return malformed((error as Error).message ?? "it could not be read");
  }
}

function malformed(why: string): TokenCheck {
  return { ok: false, reason: "malformed", message: `the access token is not valid: ${why}` };
}

/** Why `secret` cannot sign or verify tokens, or undefined. */
export function secretProblem(secret: string | undefined): string | undefined {
  if (!secret) return "WEFT_AUTH_SECRET is not set";
  if (utf8Bytes(secret) < MIN_SECRET_LENGTH) {
    return `WEFT_AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} bytes`;
  }
  return undefined;
}

/** Parses a lifetime like `30m`, `12h`, `7d` or `3600s` (or `never`) into seconds; undefined when invalid. */
export function parseTtl(text: string): number | undefined {
  if (text === "never") return 0;
  const match = /^(\d{1,6})([smhd])$/.exec(text);
  if (!match) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "s" | "m" | "h" | "d"];
  const seconds = Number(match[1]) * unit;
  return seconds > 0 && seconds <= 366 * 86400 ? seconds : undefined;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}
