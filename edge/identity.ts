// Who a room connection is, as the Worker verified it before the upgrade, carried to the GraphRoom in
// x-weft-* headers. The Worker deletes any x-weft-* header a client sent before it sets these.
import type { Role } from "../shared/roles.ts";

export type RoomIdentity =
  | { role: "worker"; tokenId: string }
  | { role: "editor"; user: string; name: string; access: Role; exp: number };

const PREFIX = "x-weft-";
const H = {
  role: "x-weft-role",
  token: "x-weft-token-id",
  user: "x-weft-user",
  name: "x-weft-name",
  access: "x-weft-access",
  exp: "x-weft-exp",
} as const;

/** Removes every x-weft-* header (a client cannot claim an identity), then sets `identity`'s. */
export function writeRoomIdentity(headers: Headers, identity: RoomIdentity): void {
  for (const name of [...headers.keys()]) if (name.toLowerCase().startsWith(PREFIX)) headers.delete(name);
  headers.set(H.role, identity.role);
  if (identity.role === "worker") {
    headers.set(H.token, identity.tokenId);
    return;
  }
  headers.set(H.user, identity.user);
  headers.set(H.name, encodeURIComponent(identity.name));
  headers.set(H.access, identity.access);
  headers.set(H.exp, String(identity.exp));
}

export function readRoomIdentity(headers: Headers): RoomIdentity | undefined {
  const role = headers.get(H.role);
  if (role === "worker") {
    const tokenId = headers.get(H.token);
    return tokenId ? { role, tokenId } : undefined;
  }
  if (role !== "editor") return undefined;
  const user = headers.get(H.user);
  const access = headers.get(H.access);
  if (!user || (access !== "viewer" && access !== "editor" && access !== "admin")) return undefined;
  let name = user;
  try {
    name = decodeURIComponent(headers.get(H.name) ?? user);
  } catch {
    // keep the user id
  }
  return { role, user, name, access, exp: Number(headers.get(H.exp) ?? 0) || 0 };
}
