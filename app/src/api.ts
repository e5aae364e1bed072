// HTTP client for the hub API (/api/...): one request helper, one error class. The session cookie rides along.
import { ApiError } from "../../shared/errors.ts";
import type { GraphEntry } from "../../shared/graphActivity.ts";
import type { Message } from "../../shared/protocol.ts";
import type { Role } from "../../shared/roles.ts";
import type { GraphStatus } from "../../shared/status.ts";

/** Who is signed in (GET /api/me). */
export interface Me {
  user: string;
  name: string;
  role: Role;
  /** Graphs the role applies to; null: every graph. */
  graphs: string[] | null;
  /** Seconds since the epoch, or null. */
  expires: number | null;
}

let onUnauthorized: (() => void) | undefined;

/** Called when any request answers 401: the session ended (expired, or signed out elsewhere). */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

/**
 * A graph as GET /api/graphs lists it: id, name, time, and what its room last reported (node count, run
 * state, who is editing), each field possibly absent or null (a room that has not reported yet).
 */
export type GraphSummary = Pick<GraphEntry, "id" | "name"> & {
  updatedAt: number | string;
} & Partial<Omit<GraphEntry, "id" | "name" | "updatedAt">>;

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { accept: "application/json", "content-type": "application/json" };
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data: unknown;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      if (response.ok)
        throw new ApiError(response.status, "invalid_response", `${method} ${path}: the hub sent non-JSON`);
    }
  }
  if (!response.ok) {
    if (response.status === 401) onUnauthorized?.();
    const error = (data as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof error?.code === "string" ? error.code : `http_${response.status}`;
    const message =
      typeof error?.message === "string" ? error.message : `${method} ${path} failed with HTTP ${response.status}`;
    throw new ApiError(response.status, code, message);
  }
  return data as T;
}

export function getMe(): Promise<Me> {
  return request("GET", "/api/me");
}

export function signOut(): Promise<unknown> {
  return request("POST", "/api/logout");
}

export function getHealth(): Promise<{ ok: boolean; version: string }> {
  return request("GET", "/api/health");
}

export function listGraphs(): Promise<GraphSummary[]> {
  return request("GET", "/api/graphs");
}

/** Renames a graph (editor): its document's name, so open editors show it at once. */
export function renameGraph(id: string, name: string): Promise<{ id: string; name: string }> {
  return request("PATCH", `/api/graphs/${encodeURIComponent(id)}`, { name });
}

export function createGraph(name: string): Promise<{ id: string }> {
  return request("POST", "/api/graphs", { name });
}

/** The graph as export JSON (the same shape PUT takes). */
export function getGraphExport(id: string): Promise<Record<string, unknown>> {
  return request("GET", `/api/graphs/${encodeURIComponent(id)}`);
}

/** Replaces (or creates) the graph with an export, Weft's or gofi's; answers the import warnings. */
export function putGraph(id: string, graph: unknown): Promise<{ id: string; warnings: Array<{ message: string }> }> {
  return request("PUT", `/api/graphs/${encodeURIComponent(id)}`, graph);
}

export function deleteGraph(id: string): Promise<unknown> {
  return request("DELETE", `/api/graphs/${encodeURIComponent(id)}`);
}

export function getGraphStatus(id: string): Promise<GraphStatus> {
  return request("GET", `/api/graphs/${encodeURIComponent(id)}/status`);
}

export interface SecretInfo {
  name: string;
  updatedAt: string;
}

/** The graph's secrets by name (values are write-only: the hub never sends them back). */
export function listSecrets(graphId: string): Promise<SecretInfo[]> {
  return request("GET", `/api/graphs/${encodeURIComponent(graphId)}/secrets`);
}

export function putSecret(graphId: string, name: string, value: string): Promise<SecretInfo> {
  return request("PUT", `/api/graphs/${encodeURIComponent(graphId)}/secrets/${encodeURIComponent(name)}`, { value });
}

// ---- messages on edges (DELIVERY-6, -8, -9) ----

/** One queued message as peek shows it: in flight (delivered, not yet acked) or ready. */
export interface PeekedMessage {
  message: Message;
  attempts: number;
  inflight: boolean;
}

export interface EdgePeek {
  edge: string;
  messages: PeekedMessage[];
}

export interface DeadLetter {
  id: number;
  edge: string;
  message: Message;
  attempts: number;
  /** The last error before the message was dead-lettered (or "edge removed"). */
  error: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface DeadLetterPage {
  /** Oldest first. */
  deadLetters: DeadLetter[];
  /** Pass as `after` for the next page; null on the last one. */
  next: number | null;
}

const edgePath = (graphId: string, edgeId: string) =>
  `/api/graphs/${encodeURIComponent(graphId)}/edges/${encodeURIComponent(edgeId)}`;

/** The first `n` messages queued on an edge (viewer; changes nothing). */
export function peekEdge(graphId: string, edgeId: string, n = 10): Promise<EdgePeek> {
  return request("GET", `${edgePath(graphId, edgeId)}/peek?n=${n}`);
}

export function listDeadLetters(
  graphId: string,
  edgeId: string,
  page: { after?: number; limit?: number } = {},
): Promise<DeadLetterPage> {
  const query = new URLSearchParams();
  if (page.after !== undefined) query.set("after", String(page.after));
  if (page.limit !== undefined) query.set("limit", String(page.limit));
  const text = query.toString();
  return request("GET", `${edgePath(graphId, edgeId)}/dead-letters${text ? `?${text}` : ""}`);
}

export interface ReplayOutcome {
  edge: string;
  replayed: number;
  /** Dead letters still on the edge (a replay takes one page of them). */
  left: number;
}

/** Puts a page of the edge's dead letters back on it (editor); 409 when the edge is gone. */
export function replayDeadLetters(graphId: string, edgeId: string): Promise<ReplayOutcome> {
  return request("POST", `${edgePath(graphId, edgeId)}/dead-letters/replay`);
}

export function replayDeadLetter(graphId: string, edgeId: string, id: number): Promise<ReplayOutcome & { id: number }> {
  return request("POST", `${edgePath(graphId, edgeId)}/dead-letters/${id}/replay`);
}

export function purgeDeadLetters(graphId: string, edgeId: string): Promise<{ edge: string; purged: number }> {
  return request("DELETE", `${edgePath(graphId, edgeId)}/dead-letters`);
}

export function purgeDeadLetter(
  graphId: string,
  edgeId: string,
  id: number,
): Promise<{ edge: string; purged: number }> {
  return request("DELETE", `${edgePath(graphId, edgeId)}/dead-letters/${id}`);
}
