// The catalogue: one Durable Object (named "main") listing every graph (GET /api/graphs, `weft worker --all`)
// with what each graph's room last reported of itself (edge/graphTable.ts), and the hub-issued worker tokens
// (their hashes only).
import { DurableObject } from "cloudflare:workers";
import type { GraphEntry } from "../shared/graphActivity.ts";
import type { Env } from "./env.ts";
import { GraphTable, type RoomReport } from "./graphTable.ts";
import { hashSecret, newWorkerToken, timingSafeEqual } from "./workerTokens.ts";

export interface WorkerTokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface TokenRow extends Record<string, SqlStorageValue> {
  id: string;
  name: string;
  hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** last_used_at is refreshed at most this often per token, so a reconnecting fleet does not write on every hello. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class Catalogue extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly graphs: GraphTable;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.graphs = new GraphTable(this.sql);
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS worker_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL,
        created_at INTEGER NOT NULL, last_used_at INTEGER, revoked_at INTEGER);
    `);
  }

  list(): GraphEntry[] {
    return this.graphs.list();
  }

  has(id: string): boolean {
    return this.graphs.has(id);
  }

  /** Adds a graph or refreshes its name and time; returns true when it was new. */
  upsert(id: string, name: string): boolean {
    return this.graphs.upsert(id, name, Date.now());
  }

  /** Refreshes the name and time of a listed graph; does nothing for a graph not listed. */
  touch(id: string, name: string): void {
    this.graphs.touch(id, name, Date.now());
  }

  /**
   * A room's report of its name, node count, run state and who is in it (at most every 2 s, and only when
   * something changed): one statement, no write when nothing differs or the graph is no longer listed.
   */
  report(id: string, report: RoomReport): boolean {
    try {
      return this.graphs.report(id, report, Date.now());
    } catch (error) {
      console.error(JSON.stringify({ event: "catalogue_report_failed", graphId: id, error: String(error) }));
      return false;
    }
  }

  remove(id: string): boolean {
    return this.graphs.remove(id);
  }

  // ---- worker tokens ------------------------------------------------------------------------------

  /** Issues a worker token; its secret is returned this once and stored only as a hash. */
  async createWorkerToken(name: string): Promise<WorkerTokenInfo & { token: string }> {
    const { id, secret, token } = newWorkerToken();
    const now = Date.now();
    this.sql.exec(
      "INSERT INTO worker_tokens (id, name, hash, created_at) VALUES (?, ?, ?, ?)",
      id,
      name,
      await hashSecret(secret),
      now,
    );
    return { id, name, createdAt: new Date(now).toISOString(), lastUsedAt: null, revokedAt: null, token };
  }

  listWorkerTokens(): WorkerTokenInfo[] {
    return this.sql.exec<TokenRow>("SELECT * FROM worker_tokens ORDER BY created_at, id").toArray().map(toTokenInfo);
  }

  /** True when `id` names a token that is not revoked and whose secret hashes to `hash`. */
  checkWorkerToken(id: string, hash: string): boolean {
    const row = this.sql.exec<TokenRow>("SELECT * FROM worker_tokens WHERE id = ?", id).toArray()[0];
    if (!row || row.revoked_at !== null || !timingSafeEqual(row.hash, hash)) return false;
    const now = Date.now();
    if ((row.last_used_at ?? 0) + LAST_USED_RESOLUTION_MS < now) {
      this.sql.exec("UPDATE worker_tokens SET last_used_at = ? WHERE id = ?", now, id);
    }
    return true;
  }

  /** True when `id` names a hub-issued token that is not revoked (checked again at a worker's hello). */
  isWorkerTokenActive(id: string): boolean {
    return this.sql.exec("SELECT 1 FROM worker_tokens WHERE id = ? AND revoked_at IS NULL", id).toArray().length > 0;
  }

  /** Revokes a token; false when there is no such token. Revoking twice keeps the first time. */
  revokeWorkerToken(id: string): WorkerTokenInfo | undefined {
    this.sql.exec("UPDATE worker_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", Date.now(), id);
    const row = this.sql.exec<TokenRow>("SELECT * FROM worker_tokens WHERE id = ?", id).toArray()[0];
    return row ? toTokenInfo(row) : undefined;
  }
}

function toTokenInfo(row: TokenRow): WorkerTokenInfo {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    id: row.id,
    name: row.name,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}
