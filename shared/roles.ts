// Roles and what they allow, without the token code (the editor app imports this; the hub and CLI too).

/** viewer: reads the graph and its status; editor: also edits, starts, stops, imports; admin: also deletes. */
export type Role = "viewer" | "editor" | "admin";
export const ROLES: readonly Role[] = ["viewer", "editor", "admin"];

/** What an access token grants: one role, on the listed graphs or (without `graphs`) on every graph. */
export interface AccessGrant {
  role: Role;
  graphs?: string[];
}

/** The role `grant` gives on `graphId`, or (without a graph) its hub-wide role; undefined: none. */
export function roleFor(grant: AccessGrant, graphId?: string): Role | undefined {
  if (!grant.graphs) return grant.role;
  return graphId !== undefined && grant.graphs.includes(graphId) ? grant.role : undefined;
}

/** Whether `role` includes `needed` (admin ⊇ editor ⊇ viewer). */
export function allows(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
