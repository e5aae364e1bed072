// The room's storage port and its SQLite implementation (Durable Object SQLite): workers, assignments, reports, queues.
import type { Delivery, Message, ProcessReport } from "../../shared/protocol.ts";

export interface WorkerRecord {
  id: string;
  connId: string;
  name: string;
  version: string;
  labels: string[];
  capacity: number;
  /** Load the worker reported across all the graphs it serves. */
  load: number;
  /** How much of `load` is this graph's (processes in its last heartbeat). */
  ownLoad: number;
  nodeTypes: string[];
  lastSeen: number;
  /** Gets no new work; its processes are moved away (DRAIN-1). */
  draining?: boolean;
}

export interface Assignment {
  nodeId: string;
  workerId: string;
  epoch: number;
  type: string;
  /** JSON of the params the process was started with; a change restarts the process. */
  paramsJson: string;
}

/** A process told to stop, flushing its output; its node is placed again once it reports stopped (SCHED-6). */
export interface Stopping {
  nodeId: string;
  workerId: string;
  epoch: number;
  since: number;
}

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

export interface Channel {
  nodeId: string;
  port: string;
}

export interface RoomStore {
  nextEpoch(): number;
  workers(): WorkerRecord[];
  putWorker(worker: WorkerRecord): void;
  touchWorker(id: string, lastSeen: number, load: number, ownLoad: number): void;
  removeWorker(id: string): void;
  assignments(): Assignment[];
  putAssignment(assignment: Assignment): void;
  removeAssignment(nodeId: string): void;
  stopping(): Stopping[];
  putStopping(stopping: Stopping): void;
  removeStopping(nodeId: string): void;
  crashes(): Crash[];
  putCrash(crash: Crash): void;
  removeCrash(nodeId: string): void;
  reports(): ProcessReport[];
  putReports(reports: ProcessReport[]): void;
  removeReport(nodeId: string): void;
  /** Appends `messages` to each channel in one statement (DELIVERY-2). */
  enqueue(channels: Channel[], messages: Message[]): void;
  depth(channel: Channel): number;
  inflight(channel: Channel): number;
  /**
   * Marks up to `limit` ready messages of a channel in flight and returns them in order (DELIVERY-3),
   * stopping before their JSON passes `maxBytes` (always at least one message).
   */
  takeForDelivery(channel: Channel, limit: number, maxBytes: number): Delivery[];
  /** Deletes acknowledged deliveries of a node; returns how many were deleted. */
  ack(nodeId: string, deliveries: number[]): number;
  /** Makes every in-flight delivery of a node ready again (DELIVERY-4). */
  requeue(nodeId: string): void;
  /** Channels of a node that hold ready messages. */
  readyChannels(nodeId: string): Channel[];
  /** Drops queued messages of channels no edge feeds any more. */
  purgeChannelsExcept(keep: Channel[]): void;
}

type Row = Record<string, SqlStorageValue>;

export class SqlRoomStore implements RoomStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS room_kv (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS workers (id TEXT PRIMARY KEY, conn_id TEXT NOT NULL, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS assignments (node_id TEXT PRIMARY KEY, worker_id TEXT NOT NULL, epoch INTEGER NOT NULL,
        type TEXT NOT NULL, params_json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS reports (node_id TEXT PRIMARY KEY, report TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS stopping (node_id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS crashes (node_id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS queue (d INTEGER PRIMARY KEY AUTOINCREMENT, node_id TEXT NOT NULL, port TEXT NOT NULL,
        msg TEXT NOT NULL, inflight INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS queue_channel ON queue (node_id, port, inflight, d);
    `);
  }

  nextEpoch(): number {
    const row = this.sql
      .exec<{ value: number }>(
        "INSERT INTO room_kv (key, value) VALUES ('epoch', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1 RETURNING value",
      )
      .one();
    return row.value;
  }

  workers(): WorkerRecord[] {
    return this.sql
      .exec<{ record: string }>("SELECT record FROM workers ORDER BY id")
      .toArray()
      .map((row) => JSON.parse(row.record) as WorkerRecord);
  }

  putWorker(worker: WorkerRecord): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO workers (id, conn_id, record) VALUES (?, ?, ?)",
      worker.id,
      worker.connId,
      JSON.stringify(worker),
    );
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

  assignments(): Assignment[] {
    return this.sql
      .exec<Row>("SELECT node_id, worker_id, epoch, type, params_json FROM assignments ORDER BY node_id")
      .toArray()
      .map((row) => ({
        nodeId: String(row.node_id),
        workerId: String(row.worker_id),
        epoch: Number(row.epoch),
        type: String(row.type),
        paramsJson: String(row.params_json),
      }));
  }

  putAssignment(a: Assignment): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO assignments (node_id, worker_id, epoch, type, params_json) VALUES (?, ?, ?, ?, ?)",
      a.nodeId,
      a.workerId,
      a.epoch,
      a.type,
      a.paramsJson,
    );
  }

  removeAssignment(nodeId: string): void {
    this.sql.exec("DELETE FROM assignments WHERE node_id = ?", nodeId);
  }

  stopping(): Stopping[] {
    return this.records<Stopping>("stopping");
  }

  putStopping(stopping: Stopping): void {
    this.putRecord("stopping", stopping.nodeId, stopping);
  }

  removeStopping(nodeId: string): void {
    this.sql.exec("DELETE FROM stopping WHERE node_id = ?", nodeId);
  }

  crashes(): Crash[] {
    return this.records<Crash>("crashes");
  }

  putCrash(crash: Crash): void {
    this.putRecord("crashes", crash.nodeId, crash);
  }

  removeCrash(nodeId: string): void {
    this.sql.exec("DELETE FROM crashes WHERE node_id = ?", nodeId);
  }

  private records<T>(table: "stopping" | "crashes"): T[] {
    return this.sql
      .exec<{ record: string }>(`SELECT record FROM ${table} ORDER BY node_id`)
      .toArray()
      .map((row) => JSON.parse(row.record) as T);
  }

  private putRecord(table: "stopping" | "crashes", nodeId: string, record: unknown): void {
    this.sql.exec(`INSERT OR REPLACE INTO ${table} (node_id, record) VALUES (?, ?)`, nodeId, JSON.stringify(record));
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

  enqueue(channels: Channel[], messages: Message[]): void {
    if (channels.length === 0 || messages.length === 0) return;
    this.sql.exec(
      `INSERT INTO queue (node_id, port, msg)
       SELECT json_extract(c.value, '$.nodeId'), json_extract(c.value, '$.port'), m.value
       FROM json_each(?) AS c, json_each(?) AS m ORDER BY c.key, m.key`,
      JSON.stringify(channels),
      JSON.stringify(messages),
    );
  }

  depth(channel: Channel): number {
    return this.count("SELECT COUNT(*) AS n FROM queue WHERE node_id = ? AND port = ?", channel);
  }

  inflight(channel: Channel): number {
    return this.count("SELECT COUNT(*) AS n FROM queue WHERE node_id = ? AND port = ? AND inflight = 1", channel);
  }

  takeForDelivery(channel: Channel, limit: number, maxBytes: number): Delivery[] {
    if (limit <= 0) return [];
    return this.sql
      .exec<{ d: number; msg: string }>(
        `UPDATE queue SET inflight = 1, attempts = attempts + 1
         WHERE d IN (
           SELECT d FROM (
             SELECT d, SUM(length(CAST(msg AS BLOB)) + 16) OVER (ORDER BY d) AS bytes, ROW_NUMBER() OVER (ORDER BY d) AS n
             FROM queue WHERE node_id = ? AND port = ? AND inflight = 0 ORDER BY d LIMIT ?
           ) WHERE n = 1 OR bytes <= ?
         )
         RETURNING d, msg`,
        channel.nodeId,
        channel.port,
        limit,
        maxBytes,
      )
      .toArray()
      .sort((a, b) => a.d - b.d)
      .map((row) => ({ ...(JSON.parse(row.msg) as Message), d: row.d }));
  }

  ack(nodeId: string, deliveries: number[]): number {
    return this.sql.exec(
      "DELETE FROM queue WHERE node_id = ? AND d IN (SELECT value FROM json_each(?))",
      nodeId,
      JSON.stringify(deliveries),
    ).rowsWritten;
  }

  requeue(nodeId: string): void {
    this.sql.exec("UPDATE queue SET inflight = 0 WHERE node_id = ? AND inflight = 1", nodeId);
  }

  readyChannels(nodeId: string): Channel[] {
    return this.sql
      .exec<{ port: string }>("SELECT DISTINCT port FROM queue WHERE node_id = ? AND inflight = 0", nodeId)
      .toArray()
      .map((row) => ({ nodeId, port: row.port }));
  }

  purgeChannelsExcept(keep: Channel[]): void {
    this.sql.exec(
      `DELETE FROM queue WHERE NOT EXISTS (SELECT 1 FROM json_each(?) AS k
         WHERE json_extract(k.value, '$.nodeId') = queue.node_id AND json_extract(k.value, '$.port') = queue.port)`,
      JSON.stringify(keep),
    );
  }

  private count(query: string, channel: Channel): number {
    return Number(this.sql.exec<{ n: number }>(query, channel.nodeId, channel.port).one().n);
  }
}
