// An in-memory RoomStore for unit tests, observably the same as SqlRoomStore (checked by storeContract.ts).
import type { Delivery, Message, ProcessReport } from "../../shared/protocol.ts";
import type { Assignment, Channel, Crash, RoomStore, Stopping, WorkerRecord } from "./store.ts";

/** Bytes a queued message counts for in a delivery budget: its UTF-8 JSON plus 16, as in SqlRoomStore. */
const PER_MESSAGE_OVERHEAD = 16;

interface QueueRow {
  d: number;
  nodeId: string;
  port: string;
  /** The message as stored: its JSON text. */
  msg: string;
  bytes: number;
  inflight: boolean;
  attempts: number;
}

const encoder = new TextEncoder();

/**
 * Records are kept as JSON text, as SQLite keeps them, so callers never share objects with the store and
 * `undefined` fields vanish the same way. Lists sorted by id or node id where the SQL has an ORDER BY.
 */
export class MemoryRoomStore implements RoomStore {
  private epoch = 0;
  private lastD = 0;
  private readonly workerRows = new Map<string, string>();
  private readonly assignmentRows = new Map<string, Assignment>();
  private readonly stoppingRows = new Map<string, string>();
  private readonly crashRows = new Map<string, string>();
  private readonly reportRows = new Map<string, string>();
  /** Ordered by `d`: rows are only ever appended with a larger `d`. */
  private queue: QueueRow[] = [];

  nextEpoch(): number {
    this.epoch += 1;
    return this.epoch;
  }

  workers(): WorkerRecord[] {
    return sortedValues(this.workerRows).map((text) => JSON.parse(text) as WorkerRecord);
  }

  putWorker(worker: WorkerRecord): void {
    this.workerRows.set(worker.id, JSON.stringify(worker));
  }

  touchWorker(id: string, lastSeen: number, load: number, ownLoad: number): void {
    const text = this.workerRows.get(id);
    if (text === undefined) return;
    this.workerRows.set(id, JSON.stringify({ ...(JSON.parse(text) as WorkerRecord), lastSeen, load, ownLoad }));
  }

  removeWorker(id: string): void {
    this.workerRows.delete(id);
  }

  assignments(): Assignment[] {
    return sortedValues(this.assignmentRows).map((a) => ({ ...a }));
  }

  putAssignment(a: Assignment): void {
    this.assignmentRows.set(a.nodeId, {
      nodeId: a.nodeId,
      workerId: a.workerId,
      epoch: a.epoch,
      type: a.type,
      paramsJson: a.paramsJson,
    });
  }

  removeAssignment(nodeId: string): void {
    this.assignmentRows.delete(nodeId);
  }

  stopping(): Stopping[] {
    return sortedValues(this.stoppingRows).map((text) => JSON.parse(text) as Stopping);
  }

  putStopping(stopping: Stopping): void {
    this.stoppingRows.set(stopping.nodeId, JSON.stringify(stopping));
  }

  removeStopping(nodeId: string): void {
    this.stoppingRows.delete(nodeId);
  }

  crashes(): Crash[] {
    return sortedValues(this.crashRows).map((text) => JSON.parse(text) as Crash);
  }

  putCrash(crash: Crash): void {
    this.crashRows.set(crash.nodeId, JSON.stringify(crash));
  }

  removeCrash(nodeId: string): void {
    this.crashRows.delete(nodeId);
  }

  /** In no particular order (the SQL has no ORDER BY); here, least recently written first. */
  reports(): ProcessReport[] {
    return [...this.reportRows.values()].map((text) => JSON.parse(text) as ProcessReport);
  }

  putReports(reports: ProcessReport[]): void {
    for (const report of reports) {
      // INSERT OR REPLACE deletes the old row and appends a new one.
      this.reportRows.delete(report.nodeId);
      this.reportRows.set(report.nodeId, JSON.stringify(report));
    }
  }

  removeReport(nodeId: string): void {
    this.reportRows.delete(nodeId);
  }

  enqueue(channels: Channel[], messages: Message[]): void {
    if (channels.length === 0 || messages.length === 0) return;
    const texts = messages.map((m) => JSON.stringify(m));
    for (const channel of channels) {
      for (const msg of texts) {
        this.lastD += 1;
        this.queue.push({
          d: this.lastD,
          nodeId: channel.nodeId,
          port: channel.port,
          msg,
          bytes: encoder.encode(msg).byteLength + PER_MESSAGE_OVERHEAD,
          inflight: false,
          attempts: 0,
        });
      }
    }
  }

  depth(channel: Channel): number {
    return this.queue.filter((row) => inChannel(row, channel)).length;
  }

  inflight(channel: Channel): number {
    return this.queue.filter((row) => row.inflight && inChannel(row, channel)).length;
  }

  takeForDelivery(channel: Channel, limit: number, maxBytes: number): Delivery[] {
    if (limit <= 0) return [];
    const taken: QueueRow[] = [];
    let bytes = 0;
    for (const row of this.queue) {
      if (taken.length >= limit) break;
      if (row.inflight || !inChannel(row, channel)) continue;
      bytes += row.bytes;
      if (taken.length > 0 && bytes > maxBytes) break;
      taken.push(row);
    }
    for (const row of taken) {
      row.inflight = true;
      row.attempts += 1;
    }
    return taken.map((row) => ({ ...(JSON.parse(row.msg) as Message), d: row.d }));
  }

  ack(nodeId: string, deliveries: number[]): number {
    const acked = new Set(deliveries);
    const before = this.queue.length;
    this.queue = this.queue.filter((row) => row.nodeId !== nodeId || !acked.has(row.d));
    return before - this.queue.length;
  }

  requeue(nodeId: string): void {
    for (const row of this.queue) if (row.nodeId === nodeId) row.inflight = false;
  }

  /** Sorted by port (the order SQLite's queue_channel index yields). */
  readyChannels(nodeId: string): Channel[] {
    const ports = new Set<string>();
    for (const row of this.queue) if (row.nodeId === nodeId && !row.inflight) ports.add(row.port);
    return [...ports].sort().map((port) => ({ nodeId, port }));
  }

  purgeChannelsExcept(keep: Channel[]): void {
    this.queue = this.queue.filter((row) => keep.some((channel) => inChannel(row, channel)));
  }
}

function inChannel(row: QueueRow, channel: Channel): boolean {
  return row.nodeId === channel.nodeId && row.port === channel.port;
}

/** Values ordered by key, as `ORDER BY id` orders ASCII ids (SQLite's BINARY collation compares bytes). */
function sortedValues<T>(map: ReadonlyMap<string, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
}
