// gofi's protocol as the node carries it: the embedded text is gofi.proto, the descriptor is that schema, and
// the bytes on the wire are the two-field message gofi services (and examples/grpc/server.py) read.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MethodDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { GOFI_LOAD_OPTIONS, GOFI_PROTO, GOFI_SEND_PATH, type GofiMessage, gofiSendMethod } from "./gofiProto.ts";

const PROTO_FILE = new URL("./gofi.proto", import.meta.url);

describe("gofi protocol", () => {
  it("the proto text built into the code is gofi.proto word for word", () => {
    expect(GOFI_PROTO).toBe(readFileSync(PROTO_FILE, "utf8"));
  });

  it("the descriptor gives the method the .proto gives: same path, streams, and the same bytes both ways", () => {
    const dir = mkdtempSync(join(tmpdir(), "gofi-proto-"));
    try {
      const file = join(dir, "gofi.proto");
      writeFileSync(file, GOFI_PROTO);
      const fromProto = (
        loadSync(file, GOFI_LOAD_OPTIONS)["messages.Gofi"] as Record<string, MethodDefinition<GofiMessage, GofiMessage>>
      ).Send;
      const embedded = gofiSendMethod();
      expect(fromProto?.path).toBe(GOFI_SEND_PATH);
      expect([embedded.path, embedded.requestStream, embedded.responseStream]).toEqual([GOFI_SEND_PATH, true, true]);
      expect([fromProto?.requestStream, fromProto?.responseStream]).toEqual([true, true]);
      const message = { key: "k1", value: Buffer.from('{"n":12}') };
      const bytes = embedded.requestSerialize(message);
      expect(fromProto?.requestSerialize(message)).toEqual(bytes);
      expect(fromProto?.responseDeserialize(bytes)).toEqual(embedded.responseDeserialize(bytes));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("on the wire: field 1 the key (tag 0x0a), field 2 the value (tag 0x12), each length-prefixed; unset decodes empty", () => {
    const send = gofiSendMethod();
    expect([...send.requestSerialize({ key: "a", value: Buffer.from("bc") })]).toEqual([
      0x0a, 0x01, 0x61, 0x12, 0x02, 0x62, 0x63,
    ]);
    const empty = send.responseDeserialize(Buffer.alloc(0));
    expect(empty.key).toBe("");
    expect(Buffer.isBuffer(empty.value) && empty.value.length).toBe(0);
  });
});
