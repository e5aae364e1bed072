// Lists the hub's graphs (GET /api/graphs) for `weft worker --all`.
import { isValidId } from "../shared/limits.ts";
import { apiUrl } from "./urls.ts";

export type GraphListResult =
  | { ok: true; ids: string[] }
  | { ok: false; fatal: boolean; status?: number; message: string };

const TIMEOUT_MS = 5000;

export async function fetchGraphIds(hub: URL, token: string, signal?: AbortSignal): Promise<GraphListResult> {
  const url = apiUrl(hub, "/api/graphs");
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, fatal: false, message: `GET ${url.href} failed: ${cause ?? (error as Error).message}` };
  }
  const text = await response.text().catch(() => "");
  if (!response.ok) {
    const fatal = response.status === 401 || response.status === 403;
    const hint = fatal ? "; check --token or WEFT_WORKER_TOKEN" : "";
    return {
      ok: false,
      fatal,
      status: response.status,
      message: `GET ${url.href}: HTTP ${response.status} ${errorText(text)}${hint}`,
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, fatal: false, message: `GET ${url.href} did not return JSON` };
  }
  const ids = parseGraphList(body);
  if (!ids)
    return { ok: false, fatal: false, message: `GET ${url.href}: unexpected body (want [{id}] or {graphs:[{id}]})` };
  return { ok: true, ids };
}

/** Graph ids from `[{id, ...}]` or `{graphs: [{id, ...}]}`; invalid ids are skipped. */
export function parseGraphList(body: unknown): string[] | undefined {
  const list = Array.isArray(body) ? body : (body as { graphs?: unknown } | null)?.graphs;
  if (!Array.isArray(list)) return undefined;
  const ids = new Set<string>();
  for (const entry of list) {
    const id = typeof entry === "string" ? entry : (entry as { id?: unknown } | null)?.id;
    if (typeof id === "string" && isValidId(id)) ids.add(id);
  }
  return [...ids];
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    return [parsed.error?.code, parsed.error?.message].filter(Boolean).join(": ");
  } catch {
    return body.slice(0, 200);
  }
}
