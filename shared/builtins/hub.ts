// Built-in node types the hub itself runs (runsOn "hub"): no worker process, the room produces their messages.
import type { NodeTypeDef } from "../nodeTypes.ts";
import { builtin } from "./define.ts";

export const CATCH_TYPE = "catch";
export const HTTP_IN_TYPE = "http-in";

export const HUB_TYPES: readonly NodeTypeDef[] = [
  builtin({
    type: CATCH_TYPE,
    version: "1.0.0",
    title: "Catch",
    category: "source",
    description:
      "Receives every message that failed in a node whose error output is not wired, as { error, nodeId, port, edge, attempts, message } (the failed message itself, key and headers kept). Wire it to a log, a debug or a file-write to see failures instead of retrying them into dead letters. An error message that fails again is not caught a second time (it is retried, then dead-lettered).",
    inputs: [],
    outputs: ["out"],
    params: {},
    runsOn: "hub",
  }),
  builtin({
    type: HTTP_IN_TYPE,
    version: "1.0.0",
    title: "HTTP in (webhook)",
    category: "source",
    description:
      "A webhook on the hub: POST /hooks/<graphId>/<nodeId> publishes the request body as one message on out and answers 202 with its id once it is stored. A JSON body (Content-Type application/json) becomes the value as parsed; any other body becomes a string. ?key=… (or the X-Weft-Key header) sets the message key. Bodies over 256 KiB are refused with 413; when the edges downstream are full the hub answers 503 with Retry-After. Without a token, callers need an editor access token for the graph; with one, they send it as Authorization: Bearer <token>.",
    inputs: [],
    outputs: ["out"],
    params: {
      token: {
        type: "secret",
        title: "Token",
        description:
          "A secret callers send as Authorization: Bearer <token>. Leave unset to require an editor access token for this graph instead.",
        default: "",
      },
    },
    runsOn: "hub",
  }),
];
