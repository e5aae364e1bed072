// gofi's protocol (gofi.proto beside this file) built into the code, so the bundled worker needs no .proto on
// disk: the proto text for people, the same schema as a protobufjs descriptor, and the Send method it gives.
import type { MethodDefinition } from "@grpc/grpc-js";
import { fromJSON, type Options } from "@grpc/proto-loader";

/** gofi.proto, word for word (a test checks the two agree, and that the descriptor below matches it). */
export const GOFI_PROTO = `// gofi's protocol: one bidirectional stream of { key, value } messages. The \`grpc\` node speaks it as a client.
// Package, names and field numbers are gofi's own, so an existing gofi service works unchanged.
syntax = "proto3";

package messages;

message GofiMessage {
  string key = 1;
  bytes value = 2;
}

message GofiVoid {}

service Gofi {
  rpc Send(stream GofiMessage) returns (stream GofiMessage) {}
}
`;

/** The same schema as protobufjs JSON (what proto-loader's fromJSON takes). */
export const GOFI_DESCRIPTOR: Parameters<typeof fromJSON>[0] = {
  nested: {
    messages: {
      nested: {
        GofiMessage: {
          fields: {
            key: { type: "string", id: 1 },
            value: { type: "bytes", id: 2 },
          },
        },
        GofiVoid: { fields: {} },
        Gofi: {
          methods: {
            Send: {
              requestType: "GofiMessage",
              requestStream: true,
              responseType: "GofiMessage",
              responseStream: true,
              comment: "",
            },
          },
        },
      },
    },
  },
};

/** One message of the stream, both ways. Unset fields decode as "" and an empty buffer. */
export interface GofiMessage {
  key: string;
  value: Buffer;
}

/** How the stream's messages are decoded: bytes as Buffers, unset fields filled in. */
export const GOFI_LOAD_OPTIONS: Options = { keepCase: true, defaults: true, longs: String, enums: String };

/** The full name of gofi's service and of its one method. */
export const GOFI_SERVICE = "messages.Gofi";
export const GOFI_SEND_PATH = "/messages.Gofi/Send";

let sendMethod: MethodDefinition<GofiMessage, GofiMessage> | undefined;

/** Send's method definition (path and (de)serializers), loaded once from the descriptor. */
export function gofiSendMethod(): MethodDefinition<GofiMessage, GofiMessage> {
  if (!sendMethod) {
    const service = fromJSON(GOFI_DESCRIPTOR, GOFI_LOAD_OPTIONS)[GOFI_SERVICE] as
      | Record<string, MethodDefinition<GofiMessage, GofiMessage>>
      | undefined;
    const send = service?.Send;
    if (!send || send.path !== GOFI_SEND_PATH) throw new Error("grpc: gofi's descriptor has no messages.Gofi/Send");
    sendMethod = send;
  }
  return sendMethod;
}
