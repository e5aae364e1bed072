// Webhooks into http-in nodes (PROTOCOL.md HOOK-*): who may post, and the message a request becomes. Pure:
// the core hands it the node, the secret's value and the request as the Worker read it.
import { HTTP_IN_TYPE } from "../../shared/builtins/hub.ts";
import type { JsonValue } from "../../shared/graph.ts";
import { isSecretRef } from "../../shared/nodeTypes.ts";
import type { Message } from "../../shared/protocol.ts";
import { timingSafeEqual } from "../workerTokens.ts";

/** A request to /hooks/<graphId>/<nodeId>, read by the Worker (body already parsed and size-checked). */
export interface HookRequest {
  value: JsonValue;
  key?: string;
  contentType: string;
  /** The Authorization bearer when it is not an access token of this hub (it may be the node's token). */
  bearer?: string;
  /** The caller holds the editor role on the graph. */
  editor: boolean;
}

export type HookAnswer =
  | { status: 202; id: string; edges: number }
  | { status: 401 | 403 | 404 | 409 | 413 | 503; code: string; message: string };

export interface HookNode {
  id: string;
  type: string;
  params: Record<string, JsonValue>;
  disabled: boolean;
}

/**
 * Why the request may not post to this node (auth, type, state), or undefined. HOOK-3: a caller who is not an
 * editor of the graph learns nothing about it (whether the node exists, its type) until it shows the node's
 * token; an editor may post with its access token.
 */
export function hookProblem(
  node: HookNode | undefined,
  nodeId: string,
  request: HookRequest,
  state: { running: boolean; hub: boolean; blocked?: string; tokenValue?: string | undefined },
): Exclude<HookAnswer, { status: 202 }> | undefined {
  const token = node?.type === HTTP_IN_TYPE ? node.params.token : undefined;
  if (!request.editor) {
    const opened =
      isSecretRef(token) &&
      state.tokenValue !== undefined &&
      request.bearer !== undefined &&
      timingSafeEqual(request.bearer, state.tokenValue);
    if (!opened) {
      return {
        status: 401,
        code: "unauthorized",
        message:
          "send the http-in node's token (Authorization: Bearer <token>) or an editor access token for this graph",
      };
    }
  }
  if (!node) return { status: 404, code: "not_found", message: `this graph has no node "${nodeId}"` };
  if (node.type !== HTTP_IN_TYPE) {
    return {
      status: 404,
      code: "not_http_in",
      message: `node "${nodeId}" is a ${node.type} node; only http-in nodes take webhooks`,
    };
  }
  if (isSecretRef(token) && state.tokenValue === undefined) {
    return {
      status: 409,
      code: "token_unset",
      message: `node "${nodeId}" uses secret ${token.$secret}, which is not set`,
    };
  }
  if (!state.running)
    return { status: 409, code: "graph_stopped", message: "the graph is not running; start it first" };
  if (node.disabled) return { status: 409, code: "node_disabled", message: `node "${nodeId}" is disabled` };
  if (state.blocked) return { status: 409, code: "node_blocked", message: state.blocked };
  if (!state.hub) return { status: 409, code: "not_running", message: `node "${nodeId}" is not running` };
  return undefined;
}

/** The message a request becomes: its value, key and content type. */
export function hookMessage(id: string, request: HookRequest, now: number): Message {
  const message: Message = { id, value: request.value, headers: { "content-type": request.contentType }, ts: now };
  if (request.key !== undefined) message.key = request.key;
  return message;
}
