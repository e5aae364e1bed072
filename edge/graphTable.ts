// The catalogue's table of graphs (edge/catalogue.ts): id, name, last update, and what each room last reported
// of itself (node count, run state, who is in it). Older databases gain the report columns on open.
import {
  emptyCounts,
  type GraphActivity,
  type GraphEntry,
  type GraphRunState,
  MAX_EDITOR_NAME_CHARS,
  MAX_LISTED_EDITORS,
  type ProcessCounts,
} from "../shared/graphActivity.ts";
import { LIMITS } from "../shared/limits.ts";

interface Row extends Record<string, SqlStorageValue> {
  id: string;
  name: string;
  updated_at: number;
  nodes: number | null;
  run_state: string | null;
  processes: string | null;
  editors: string | null;
  editor_count: number | null;
  viewers: number | null;
  reported_at: number | null;
}

/** Columns added after the first schema, with their SQL types; added when missing (pragma table_info). */
const REPORT_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["nodes", "INTEGER"],
  ["run_state", "TEXT"],
  ["processes", "TEXT"],
  ["editors", "TEXT"],
  ["editor_count", "INTEGER"],
  ["viewers", "INTEGER"],
  ["reported_at", "INTEGER"],
];

const RUN_STATES: ReadonlySet<string> = new Set<GraphRunState>([
  "stopped",
  "stopping",
  "starting",
  "running",
  "degraded",
]);

/** One room's report: its name, activity, and whether the document changed since its last report. */
export interface RoomReport {
  name: string;
  activity: GraphActivity;
  /** The document changed (not only who is connected or how processes run): updated_at moves. */
  edited: boolean;
}

export class GraphTable {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      "CREATE TABLE IF NOT EXISTS graphs (id TEXT PRIMARY KEY, name TEXT NOT NULL, updated_at INTEGER NOT NULL)",
    );
    const have = new Set(
      sql
        .exec<{ name: string }>("PRAGMA table_info(graphs)")
        .toArray()
        .map((c) => c.name),
    );
    for (const [column, type] of REPORT_COLUMNS) {
      if (!have.has(column)) sql.exec(`ALTER TABLE graphs ADD COLUMN ${column} ${type}`);
    }
    sql.exec("CREATE INDEX IF NOT EXISTS graphs_by_update ON graphs (updated_at DESC, id)");
  }

  list(): GraphEntry[] {
    return this.sql.exec<Row>("SELECT * FROM graphs ORDER BY updated_at DESC, id").toArray().map(toEntry);
  }

  has(id: string): boolean {
    return this.sql.exec("SELECT 1 FROM graphs WHERE id = ?", id).toArray().length > 0;
  }

  /** Adds a graph or refreshes its name and time; returns true when it was new. */
  upsert(id: string, name: string, now: number): boolean {
    const existed = this.has(id);
    this.sql.exec(
      "INSERT INTO graphs (id, name, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at",
      id,
      name,
      now,
    );
    return !existed;
  }

  /** Refreshes the name and time of a listed graph; does nothing for a graph not listed. */
  touch(id: string, name: string, now: number): void {
    this.sql.exec("UPDATE graphs SET name = ?, updated_at = ? WHERE id = ?", name, now, id);
  }

  /**
   * Stores a room's report in one statement, which writes nothing when the graph is not listed (deleted) or
   * when nothing differs from what is stored and the document was not edited. Returns whether it wrote.
   */
  report(id: string, report: RoomReport, now: number): boolean {
    const a = clean(report.activity);
    const name = report.name.slice(0, LIMITS.maxNameLength);
    const processes = JSON.stringify(a.processes);
    const editors = JSON.stringify(a.editors);
    const values = [name, a.nodes, a.state, processes, editors, a.editorCount, a.viewers] as const;
    return (
      this.sql.exec(
        `UPDATE graphs SET name = ?, nodes = ?, run_state = ?, processes = ?, editors = ?, editor_count = ?,
           viewers = ?, reported_at = ?, updated_at = CASE WHEN ? THEN ? ELSE updated_at END
         WHERE id = ? AND (? OR name IS NOT ? OR nodes IS NOT ? OR run_state IS NOT ? OR processes IS NOT ?
           OR editors IS NOT ? OR editor_count IS NOT ? OR viewers IS NOT ?)`,
        ...values,
        now,
        report.edited ? 1 : 0,
        now,
        id,
        report.edited ? 1 : 0,
        ...values,
      ).rowsWritten > 0
    );
  }

  remove(id: string): boolean {
    return this.sql.exec("DELETE FROM graphs WHERE id = ?", id).rowsWritten > 0;
  }
}

/** A report bounded and well-formed whatever the room sent (names cut, counts whole and not negative). */
function clean(a: GraphActivity): GraphActivity {
  const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0);
  const processes = emptyCounts();
  for (const key of Object.keys(processes) as Array<keyof ProcessCounts>) processes[key] = count(a.processes?.[key]);
  const editors = (Array.isArray(a.editors) ? a.editors : [])
    .slice(0, MAX_LISTED_EDITORS)
    .map((n) => String(n).slice(0, MAX_EDITOR_NAME_CHARS));
  return {
    nodes: count(a.nodes),
    state: RUN_STATES.has(a.state) ? a.state : "stopped",
    processes,
    editors,
    editorCount: Math.max(count(a.editorCount), editors.length),
    viewers: count(a.viewers),
  };
}

function toEntry(row: Row): GraphEntry {
  const reported = row.reported_at !== null;
  return {
    id: row.id,
    name: row.name,
    updatedAt: new Date(row.updated_at).toISOString(),
    nodes: reported ? row.nodes : null,
    state:
      reported && row.run_state !== null && RUN_STATES.has(row.run_state) ? (row.run_state as GraphRunState) : null,
    processes: reported ? parseJson<ProcessCounts | null>(row.processes, null) : null,
    editors: reported ? parseJson<string[]>(row.editors, []) : [],
    editorCount: reported ? (row.editor_count ?? 0) : 0,
    viewers: reported ? (row.viewers ?? 0) : 0,
    activityAt: reported ? new Date(row.reported_at as number).toISOString() : null,
  };
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
