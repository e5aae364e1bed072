// Built-in node types: the grpc group (see docs/nodes.md): `grpc`, a client of gofi's bidirectional Send stream.
import type { NodeTypeDef } from "../nodeTypes.ts";
import { builtin } from "./define.ts";

export const GRPC_TYPES: readonly NodeTypeDef[] = [
  builtin({
    type: "grpc",
    version: "1.0.0",
    title: "gRPC (gofi)",
    category: "processing",
    description:
      "Sends each message to a gRPC service that speaks gofi's protocol (service messages.Gofi, method Send: a stream of { key, value } both ways) and emits the service's answer on out. " +
      "The request's key is the message key (or its id) and its value the message value as JSON bytes. " +
      "The answer is emitted with the key the service gave and its bytes decoded as JSON, else as text, else as base64; the header grpc.encoding says which (json, text or base64). " +
      "The service must answer each message with exactly one message, in order; a message is acknowledged once its answer arrives. " +
      "A service that cannot be reached at start crashes the node (it is restarted); a stream that breaks later fails the message in flight and is reopened with backoff.",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      address: {
        type: "text",
        title: "Address",
        description:
          "Where the gRPC service listens, as host:port (for example localhost:50051, 10.0.0.5:9000 or [::1]:50051).",
        default: "",
        required: true,
        maxLength: 300,
      },
      tls: {
        type: "boolean",
        title: "TLS",
        description:
          "Connect over TLS, checking the server's certificate against the system's trusted authorities. Off: plain text (insecure), as gofi's demo server expects.",
        default: false,
      },
      timeout: {
        type: "duration",
        title: "Answer timeout",
        description:
          "Longest to wait for the answer to one message, including waiting for the connection to come back after it broke (for example 10s or 500ms). A message without an answer by then fails, and the stream is reopened so that a late answer is never taken for the next one's.",
        default: "10s",
        min: 10,
        max: 3_600_000,
      },
      connectTimeout: {
        type: "duration",
        title: "Connect timeout",
        description:
          "Longest to try to reach the service when the node starts (for example 5s). If it cannot be reached by then, the node crashes with the reason and is restarted later.",
        default: "5s",
        min: 10,
        max: 600_000,
      },
    },
  }),
];
