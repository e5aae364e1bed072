// Hub-issued worker tokens: `wt_<id>_<secret>`. The catalogue keeps only the secret's SHA-256, so a token is
// shown once, at creation; revoking one closes every worker connection that presented it.

const TOKEN_PATTERN = /^wt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function parseWorkerToken(token: string): { id: string; secret: string } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

/** A new token: 48 random bits of id, 256 random bits of secret. */
export function newWorkerToken(): { id: string; secret: string; token: string } {
  const id = hex(crypto.getRandomValues(new Uint8Array(6)));
  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { id, secret, token: `wt_${id}_${secret}` };
}

export async function hashSecret(secret: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret))));
}

/** Compares two strings in time that depends only on their lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}
