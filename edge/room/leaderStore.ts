// The leader's storage port and its SQLite implementation: the epoch counter, workers, each node's process
// (assigned or stopping), crash backoffs and the last report of each process.

import type { NodeTypeDef } from "../../shared/nodeTypes.ts";
import type { ProcessReport } from "../../shared/protocol.ts";
import { bumpCounter } from "./sqlCounter.ts";

/** A worker's connection: open on `connId`, or awaited back after the room restarted (HELLO-4). */
export type WorkerLink = { kind: "connected"; connId: string } | { kind: "awaited"; since: number };

export interface WorkerRecord {
  id: string;
  link: WorkerLink;
  name: string;
  version: string;
  labels: string[];
  capacity: number;
  /** Load the worker reported across all the graphs it serves. */
  load: number;
  /** How much of `load` is this graph's (processes in its last heartbeat). */
  ownLoad: number;
  /** Node types it announced and the room accepted (TYPES-2). */
  nodeTypes: string[];
  /** The version of each of them. */
  versions?: Record<string, string>;
  /** Definitions of the accepted types the hub does not have built in (plugins). */
  defs?: NodeTypeDef[];
  /** Plugins that failed to load and types the room refused, shown in status. */
  problems?: string[];
  lastSeen: number;
  /** Gets no new work; its processes are moved away (DRAIN-1). */
  draining?: boolean;
}

/** What a process was started with; a stopping process is judged by this, not by the node as it is now. */
export interface ProcessStart {
  nodeId: string;
  workerId: string;
  epoch: number;
  type: string;
  /** JSON of the params (secret references, never values); a change restarts the process. */
  paramsJson: string;
  inputs: string[];
  outputs: string[];
}

/**
 * The one lifecycle record of a node that has a process: assigned (running or about to), or stopping
 * (told to stop, flushing; placed again once it reports stopped or after the stop timeout, SCHED-6).
 * A node without a record has no process.
 */
export type NodeRun = (ProcessStart & { kind: "assigned" }) | (ProcessStart & { kind: "stopping"; since: number });

/** Restart backoff of a crash-looping process (SCHED-7). */
export interface Crash {
  nodeId: string;
  count: number;
  nextAt: number;
  lastError: string;
  /** Params the process crashed with; an edit resets the backoff. */
  paramsJson: string;
  /** When it was last started again, or 0 while it waits. */
  restartedAt: number;
}

export interface LeaderStore {
  nextEpoch(): number;
  workers(): WorkerRecord[];
  putWorker(worker: WorkerRecord): void;
  touchWorker(id: string, lastSeen: number, load: number, ownLoad: number): void;
  removeWorker(id: string): void;
  runs(): NodeRun[];
  putRun(run: NodeRun): void;
  removeRun(nodeId: string): void;
  crashes(): Crash[];
  putCrash(crash: Crash): void;
  removeCrash(nodeId: string): void;
  reports(): ProcessReport[];
  putReports(reports: ProcessReport[]): void;
  removeReport(nodeId: string): void;
  /** Node-type definitions workers announced, remembered while no worker runs them (TYPES-3). */
  knownTypes(): NodeTypeDef[];
  putKnownType(def: NodeTypeDef): void;
  removeKnownType(type: string): void;
  /** Runs `fn` so that its writes land together or not at all. */
  transaction<T>(fn: () => T): T;
}

export class SqlLeaderStore implements LeaderStore {
  private readonly sql: SqlStorage;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS room_kv (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS workers (id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS node_runs (node_id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS reports (node_id TEXT PRIMARY KEY, report TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS crashes (node_id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS node_types (type TEXT PRIMARY KEY, def TEXT NOT NULL);
    `);
    storage.transactionSync(() => migrateFirstCut(this.sql));
  }

  nextEpoch(): number {
    return bumpCounter(this.sql, "room_kv", "epoch");
  }

  workers(): WorkerRecord[] {
    return this.records<WorkerRecord>("SELECT record FROM workers ORDER BY id");
  }

  knownTypes(): NodeTypeDef[] {
    return this.records<NodeTypeDef>("SELECT def AS record FROM node_types ORDER BY type");
  }

  putKnownType(def: NodeTypeDef): void {
    this.sql.exec("INSERT OR REPLACE INTO node_types (type, def) VALUES (?, ?)", def.type, JSON.stringify(def));
  }

  removeKnownType(type: string): void {
    this.sql.exec("DELETE FROM node_types WHERE type = ?", type);
  }

  putWorker(worker: WorkerRecord): void {
    this.sql.exec("INSERT OR REPLACE INTO workers (id, record) VALUES (?, ?)", worker.id, JSON.stringify(worker));
  }

  touchWorker(id: string, lastSeen: number, load: number, ownLoad: number): void {
    this.sql.exec(
      "UPDATE workers SET record = json_set(record, '$.lastSeen', ?, '$.load', ?, '$.ownLoad', ?) WHERE id = ?",
      lastSeen,
      load,
      ownLoad,
      id,
    );
  }

  removeWorker(id: string): void {
    this.sql.exec("DELETE FROM workers WHERE id = ?", id);
  }

  runs(): NodeRun[] {
    return this.records<NodeRun>("SELECT record FROM node_runs ORDER BY node_id");
  }

  putRun(run: NodeRun): void {
    this.sql.exec("INSERT OR REPLACE INTO node_runs (node_id, record) VALUES (?, ?)", run.nodeId, JSON.stringify(run));
  }

  removeRun(nodeId: string): void {
    this.sql.exec("DELETE FROM node_runs WHERE node_id = ?", nodeId);
  }

  crashes(): Crash[] {
    return this.records<Crash>("SELECT record FROM crashes ORDER BY node_id");
  }

  putCrash(crash: Crash): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO crashes (node_id, record) VALUES (?, ?)",
      crash.nodeId,
      JSON.stringify(crash),
    );
  }

  removeCrash(nodeId: string): void {
    this.sql.exec("DELETE FROM crashes WHERE node_id = ?", nodeId);
  }

  reports(): ProcessReport[] {
    return this.sql
      .exec<{ report: string }>("SELECT report FROM reports")
      .toArray()
      .map((row) => JSON.parse(row.report) as ProcessReport);
  }

  putReports(reports: ProcessReport[]): void {
    if (reports.length === 0) return;
    this.sql.exec(
      "INSERT OR REPLACE INTO reports (node_id, report) SELECT json_extract(value, '$.nodeId'), value FROM json_each(?)",
      JSON.stringify(reports),
    );
  }

  removeReport(nodeId: string): void {
    this.sql.exec("DELETE FROM reports WHERE node_id = ?", nodeId);
  }

  transaction<T>(fn: () => T): T {
    return this.storage.transactionSync(fn);
  }

  private records<T>(query: string): T[] {
    return this.sql
      .exec<{ record: string }>(query)
      .toArray()
      .map((row) => JSON.parse(row.record) as T);
  }
}

/**
 * Rooms written by the first-cut core kept assignments and stops in two tables and a worker's missing
 * connection as connId "": move them into node_runs and links once (its queue: SqlQueueStore).
 */
function migrateFirstCut(sql: SqlStorage): void {
  const has = (table: string) =>
    sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", table).toArray().length > 0;
  if (has("assignments")) {
    sql.exec(`INSERT OR IGNORE INTO node_runs (node_id, record)
      SELECT node_id, json_object('kind', 'assigned', 'nodeId', node_id, 'workerId', worker_id, 'epoch', epoch,
        'type', type, 'paramsJson', params_json, 'inputs', json('[]'), 'outputs', json('[]')) FROM assignments`);
    sql.exec("DROP TABLE assignments");
  }
  if (has("stopping")) {
    sql.exec(`INSERT OR IGNORE INTO node_runs (node_id, record)
      SELECT node_id, json_object('kind', 'stopping', 'nodeId', node_id, 'workerId', json_extract(record, '$.workerId'),
        'epoch', json_extract(record, '$.epoch'), 'type', '', 'paramsJson', '{}', 'inputs', json('[]'),
        'outputs', json('[]'), 'since', json_extract(record, '$.since')) FROM stopping`);
    sql.exec("DROP TABLE stopping");
  }
  const columns = sql
    .exec<{ name: string }>("PRAGMA table_info(workers)")
    .toArray()
    .map((c) => c.name);
  if (columns.includes("conn_id")) {
    const rows = sql.exec<{ id: string; record: string }>("SELECT id, record FROM workers").toArray();
    sql.exec("DROP TABLE workers");
    sql.exec("CREATE TABLE workers (id TEXT PRIMARY KEY, record TEXT NOT NULL)");
    for (const row of rows) {
      const old = JSON.parse(row.record) as WorkerRecord & { connId?: string };
      const { connId, ...rest } = old;
      const link: WorkerLink = connId ? { kind: "connected", connId } : { kind: "awaited", since: old.lastSeen };
      sql.exec("INSERT INTO workers (id, record) VALUES (?, ?)", row.id, JSON.stringify({ ...rest, link }));
    }
  }
}

/** The in-memory LeaderStore for unit tests, observably the same as SqlLeaderStore (leaderStoreContract.ts). */
export class MemoryLeaderStore implements LeaderStore {
  private state = emptyState();

  nextEpoch(): number {
    this.state.epoch += 1;
    return this.state.epoch;
  }

  workers(): WorkerRecord[] {
    return sortedValues(this.state.workers).map((text) => JSON.parse(text) as WorkerRecord);
  }

  knownTypes(): NodeTypeDef[] {
    return sortedValues(this.state.types).map((text) => JSON.parse(text) as NodeTypeDef);
  }

  putKnownType(def: NodeTypeDef): void {
    this.state.types.set(def.type, JSON.stringify(def));
  }

  removeKnownType(type: string): void {
    this.state.types.delete(type);
  }

  putWorker(worker: WorkerRecord): void {
    this.state.workers.set(worker.id, JSON.stringify(worker));
  }

  touchWorker(id: string, lastSeen: number, load: number, ownLoad: number): void {
    const text = this.state.workers.get(id);
    if (text === undefined) return;
    this.state.workers.set(id, JSON.stringify({ ...(JSON.parse(text) as WorkerRecord), lastSeen, load, ownLoad }));
  }

  removeWorker(id: string): void {
    this.state.workers.delete(id);
  }

  runs(): NodeRun[] {
    return sortedValues(this.state.runs).map((text) => JSON.parse(text) as NodeRun);
  }

  putRun(run: NodeRun): void {
    this.state.runs.set(run.nodeId, JSON.stringify(run));
  }

  removeRun(nodeId: string): void {
    this.state.runs.delete(nodeId);
  }

  crashes(): Crash[] {
    return sortedValues(this.state.crashes).map((text) => JSON.parse(text) as Crash);
  }

  putCrash(crash: Crash): void {
    this.state.crashes.set(crash.nodeId, JSON.stringify(crash));
  }

  removeCrash(nodeId: string): void {
    this.state.crashes.delete(nodeId);
  }

  /** In no particular order (the SQL has no ORDER BY); here, least recently written first. */
  reports(): ProcessReport[] {
    return [...this.state.reports.values()].map((text) => JSON.parse(text) as ProcessReport);
  }

  putReports(reports: ProcessReport[]): void {
    for (const report of reports) {
      // INSERT OR REPLACE deletes the old row and appends a new one.
      this.state.reports.delete(report.nodeId);
      this.state.reports.set(report.nodeId, JSON.stringify(report));
    }
  }

  removeReport(nodeId: string): void {
    this.state.reports.delete(nodeId);
  }

  transaction<T>(fn: () => T): T {
    const saved = cloneState(this.state);
    try {
      return fn();
    } catch (error) {
      this.state = saved;
      throw error;
    }
  }
}

interface MemoryState {
  epoch: number;
  /** Records as JSON text, as SQLite keeps them: callers never share objects with the store. */
  workers: Map<string, string>;
  runs: Map<string, string>;
  crashes: Map<string, string>;
  reports: Map<string, string>;
  types: Map<string, string>;
}

function emptyState(): MemoryState {
  return { epoch: 0, workers: new Map(), runs: new Map(), crashes: new Map(), reports: new Map(), types: new Map() };
}

function cloneState(s: MemoryState): MemoryState {
  return {
    epoch: s.epoch,
    workers: new Map(s.workers),
    runs: new Map(s.runs),
    crashes: new Map(s.crashes),
    reports: new Map(s.reports),
    types: new Map(s.types),
  };
}

/** Values ordered by key, as `ORDER BY id` orders ASCII ids (SQLite's BINARY collation compares bytes). */
function sortedValues<T>(map: ReadonlyMap<string, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
}
