// Webhooks (PROTOCOL.md HOOK-*): POST /hooks/<graphId>/<nodeId> publishes the body into an http-in node's
// output and answers 202 with the message id once the room stored it.
import { getServerByName } from "partyserver";
import { ApiError } from "../shared/errors.ts";
import type { JsonValue } from "../shared/graph.ts";
import { isValidId, LIMITS } from "../shared/limits.ts";
import { allows, roleFor } from "../shared/roles.ts";
import { allow, requireGraph } from "./api.ts";
import { checkOrigin, identify } from "./auth.ts";
import { readBodyText } from "./body.ts";
import type { Env } from "./env.ts";
import { errorResponse, json } from "./errors.ts";
import { unwrap } from "./rpc.ts";

export const HOOK_PREFIX = "/hooks/";

/** Room for the message envelope (id, headers, ts) around the body, so the stored message fits the limit. */
const ENVELOPE_BYTES = 1024;
export const MAX_HOOK_BODY_BYTES = LIMITS.maxMessageBytes - ENVELOPE_BYTES;

export async function handleHook(request: Request, env: Env, pathname: string): Promise<Response> {
  const [graphId = "", nodeId = "", ...rest] = pathname.slice(HOOK_PREFIX.length).split("/");
  if (rest.length > 0 || !isValidId(graphId) || !isValidId(nodeId)) {
    throw new ApiError(
      404,
      "not_found",
      "webhooks live at /hooks/<graphId>/<nodeId> (ids: 1-64 letters, digits, _ or -)",
    );
  }
  allow(request.method, ["POST"]);
  checkOrigin(request, env);
  // An access token is checked; any other bearer may be the node's own token, which only the room knows.
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim();
  const caller = await identify(request, env).catch((error: unknown) => {
    if (error instanceof ApiError && error.code === "bad_token") return undefined;
    throw error;
  });
  const editor = caller?.kind === "user" && allows(roleFor(caller.claims, graphId), "editor");
  const text = await readBodyText(request, MAX_HOOK_BODY_BYTES);
  const contentType = (request.headers.get("content-type") ?? "text/plain").slice(0, 200);
  const key = new URL(request.url).searchParams.get("key") ?? request.headers.get("x-weft-key") ?? undefined;
  if (key !== undefined && key.length > 256)
    throw new ApiError(400, "invalid_key", "the message key is at most 256 characters");
  await requireGraph(env, graphId);
  const room = await getServerByName(env.Graph, graphId);
  const answer = await room.webhook(nodeId, {
    value: bodyValue(text, contentType),
    contentType,
    editor,
    ...(key !== undefined ? { key } : {}),
    ...(bearer !== undefined && caller === undefined ? { bearer } : {}),
  });
  if (!answer.ok && answer.status === 503) {
    // The edges downstream are full (or the store failed): the caller may try again shortly.
    const response = errorResponse(new ApiError(answer.status, answer.code, answer.message));
    response.headers.set("retry-after", "1");
    return response;
  }
  const result = unwrap(answer);
  return json({ accepted: true, id: result.id, edges: result.edges }, 202);
}

/** A JSON body becomes its value; anything else the text itself. */
function bodyValue(text: string, contentType: string): JsonValue {
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(contentType)) return text;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new ApiError(
      400,
      "invalid_json",
      `the body says ${contentType} but is not JSON: ${(error as Error).message.slice(0, 200)}`,
    );
  }
}
