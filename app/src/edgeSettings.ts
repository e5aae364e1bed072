// An edge's own delivery settings (DESIGN "Messaging"): the form's fields, their defaults, and the would-be
// edge object checked with the room's own rule (shared/docModel.ts edgeValueProblem) before anything is written.

import { edgeValueProblem, isPlainObject } from "../../shared/docModel.ts";
import type { GraphEdge } from "../../shared/graph.ts";
import { BROKER } from "../../shared/limits.ts";

export type EdgeMode = "durable" | "memory";

export interface EdgeSettings {
  mode: EdgeMode;
  maxDepth: number;
  maxBytes: number;
  maxAttempts: number;
}

export type EdgeSettingKey = keyof EdgeSettings;

/** A change to some settings: a value sets the field, null removes it (the broker's default applies), absent keeps it. */
export type EdgeSettingsPatch = { [K in EdgeSettingKey]?: EdgeSettings[K] | null };

/** The broker's defaults, shown as the form's placeholders. */
export const EDGE_DEFAULTS: Readonly<EdgeSettings> = {
  mode: "durable",
  maxDepth: BROKER.maxDepth,
  maxBytes: BROKER.maxBytes,
  maxAttempts: BROKER.maxAttempts,
};

export const NUMERIC_EDGE_SETTINGS = ["maxDepth", "maxBytes", "maxAttempts"] as const;
export type NumericEdgeSetting = (typeof NUMERIC_EDGE_SETTINGS)[number];

export const EDGE_SETTING_LABELS: Readonly<Record<EdgeSettingKey, string>> = {
  mode: "Delivery mode",
  maxDepth: "Max depth (messages)",
  maxBytes: "Max bytes",
  maxAttempts: "Max attempts",
};

/** The endpoints of an edge object, which settings never change. */
const ENDPOINTS = ["from", "fromPort", "to", "toPort"] as const;

/**
 * The edge object `current` (as stored in the Y.Map, without its id) with `patch` applied: a new plain
 * object, since edges are replaced whole. Endpoints are kept whatever the patch holds.
 */
export function patchedEdge(current: Omit<GraphEdge, "id">, patch: EdgeSettingsPatch): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || (ENDPOINTS as readonly string[]).includes(key)) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

export type EdgeSettingsCheck =
  | { ok: true; edge: Omit<GraphEdge, "id">; changed: boolean }
  | { ok: false; field: string | undefined; reason: string };

/** The would-be edge object and whether the room would take it, by the room's own rule. */
export function checkEdgeSettings(current: unknown, patch: EdgeSettingsPatch): EdgeSettingsCheck {
  if (!isPlainObject(current)) return { ok: false, field: undefined, reason: "that edge no longer exists" };
  const next = patchedEdge(current as Omit<GraphEdge, "id">, patch);
  const problem = edgeValueProblem(next);
  if (problem) {
    const match = /^([A-Za-z]+): (.*)$/.exec(problem);
    return match
      ? { ok: false, field: match[1], reason: match[2] ?? problem }
      : { ok: false, field: undefined, reason: problem };
  }
  return { ok: true, edge: next as Omit<GraphEdge, "id">, changed: !sameFields(current, next) };
}

/**
 * What a user typed into a numeric setting: blank clears it (null: the default applies); anything else is
 * a number for the room's rule to judge, so "0" and "2.5" are refused with the room's own words.
 * `badInput` is a number input's validity flag (the browser could not read the text as a number).
 */
export function parseNumericSetting(raw: string, badInput = false): number | null | { error: string } {
  const text = raw.trim();
  if (badInput) return { error: "must be a number" };
  if (text === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : { error: "must be a number" };
}

/** The value of a mode select: "" is the default (the key is removed). */
export function parseModeSetting(raw: string): EdgeMode | null | { error: string } {
  if (raw === "") return null;
  return raw === "durable" || raw === "memory" ? raw : { error: `must be "durable" or "memory"` };
}

function sameFields(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}
