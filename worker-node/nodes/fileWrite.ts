// The `file-write` sink: appends each message as an NDJSON line; a batch is acknowledged only once written
// (and, with fsync "always", synced), so nothing the room counts as delivered is lost with the worker.
import { type FileHandle, open } from "node:fs/promises";
import { builtinType } from "../../shared/nodeTypes.ts";
import type { NodeImpl } from "../../shared/sdk.ts";

/** With fsync "interval", the file is synced this often. */
const SYNC_INTERVAL_MS = 1000;

export const fileWriteNode: NodeImpl = {
  def: builtinType("file-write"),
  create() {
    let file: FileHandle | undefined;
    let fsync = "always";
    let lines: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    return {
      async start(ctx) {
        fsync = String(ctx.params.fsync);
        const path = String(ctx.params.path);
        try {
          file = await open(path, "a");
        } catch (error) {
          throw new Error(`cannot open ${path} for appending: ${(error as Error).message}`);
        }
        if (fsync === "interval") timer = setInterval(() => void file?.sync().catch(() => {}), SYNC_INTERVAL_MS);
      },
      onMessage(message) {
        lines.push(`${JSON.stringify(message)}\n`);
      },
      async flush() {
        if (!file || lines.length === 0) return;
        const text = lines.join("");
        lines = [];
        await file.appendFile(text);
        if (fsync === "always") await file.sync();
      },
      async stop() {
        clearInterval(timer);
        const handle = file;
        file = undefined;
        await handle?.close();
      },
    };
  },
};
