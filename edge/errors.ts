// The one place that turns errors into JSON responses of the HTTP API.
import { ApiError } from "../shared/errors.ts";

export function errorResponse(error: unknown): Response {
  if (error instanceof ApiError) return json({ error: { code: error.code, message: error.message } }, error.status);
  console.error("unhandled error", error);
  return json({ error: { code: "internal", message: "internal error; see the hub log" } }, 500);
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return jsonText(JSON.stringify(body), status, headers);
}

export function jsonText(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}
