// The catalogue: one Durable Object (named "main") listing every graph, for GET /api/graphs and `weft worker --all`.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env.ts";

export interface GraphEntry {
  id: string;
  name: string;
  updatedAt: string;
}

interface Row extends Record<string, SqlStorageValue> {
  id: string;
  name: string;
  updated_at: number;
}

export class Catalogue extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS graphs (id TEXT PRIMARY KEY, name TEXT NOT NULL, updated_at INTEGER NOT NULL)",
    );
  }

  list(): GraphEntry[] {
    return this.sql
      .exec<Row>("SELECT id, name, updated_at FROM graphs ORDER BY updated_at DESC, id")
      .toArray()
      .map(toEntry);
  }

  has(id: string): boolean {
    return this.sql.exec("SELECT 1 FROM graphs WHERE id = ?", id).toArray().length > 0;
  }

  /** Adds a graph or refreshes its name and time; returns true when it was new. */
  upsert(id: string, name: string): boolean {
    const existed = this.has(id);
    this.sql.exec(
      "INSERT INTO graphs (id, name, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at",
      id,
      name,
      Date.now(),
    );
    return !existed;
  }

  /** Refreshes the name and time of a listed graph; does nothing for a graph not listed. */
  touch(id: string, name: string): void {
    this.sql.exec("UPDATE graphs SET name = ?, updated_at = ? WHERE id = ?", name, Date.now(), id);
  }

  remove(id: string): boolean {
    return this.sql.exec("DELETE FROM graphs WHERE id = ?", id).rowsWritten > 0;
  }
}

function toEntry(row: Row): GraphEntry {
  return { id: row.id, name: row.name, updatedAt: new Date(row.updated_at).toISOString() };
}
