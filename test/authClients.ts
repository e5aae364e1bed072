// Clients for the auth matrix (test/auth.test.ts): a stock y-websocket client that records a refusal before the
// upgrade (status and JSON error body) and can present an Origin, and a bare WebSocket probe for worker connects.
import * as encoding from "lib0/encoding";
import WebSocket from "ws";
import * as syncProtocol from "y-protocols/sync";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { type Hub, waitFor } from "./harness.ts";

/** A refusal before the upgrade: the HTTP status and the error code of its JSON body (if any). */
export interface Refusal {
  status: number;
  code: string | undefined;
}

const MESSAGE_SYNC = 0;
const MESSAGE_AUTH = 2;

function refusal(status: number, body: string): Refusal {
  try {
    return { status, code: (JSON.parse(body) as { error?: { code?: string } }).error?.code };
  } catch {
    return { status, code: undefined };
  }
}

/**
 * A stock WebsocketProvider on /parties/graph/<graphId>. Its socket class is `ws` with the Origin header (when
 * given) and a listener that keeps the status and body of a non-101 answer, then aborts the handshake.
 */
export class AuthYClient {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  /** The first refusal before the upgrade, if any. */
  refused: Refusal | undefined;
  /** Whether any socket of this client was upgraded. */
  opened = false;
  /** Closes the room sent after an upgrade. */
  readonly closes: Array<{ code: number; reason: string }> = [];
  /** y-protocols auth ("permission denied") messages received. */
  denied = 0;
  /** Sync step 2 messages received: the room's answers to sync step 1 (see `barrier`). */
  private step2s = 0;

  constructor(hub: Hub, graphId: string, options: { token: string | null; origin?: string }) {
    const client = this;
    const headers: Record<string, string> = options.origin ? { Origin: options.origin } : {};
    class RecordingSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols ?? [], { headers, perMessageDeflate: false });
        this.on("upgrade", () => (client.opened = true));
        this.on("unexpected-response", (_req, res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => {
            client.refused ??= refusal(res.statusCode ?? 0, body);
            this.terminate();
          });
        });
        this.on("message", (data: ArrayBuffer | Buffer, isBinary: boolean) => {
          if (!isBinary) return;
          const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data);
          if (bytes[0] === MESSAGE_AUTH) client.denied++;
          if (bytes[0] === MESSAGE_SYNC && bytes[1] === syncProtocol.messageYjsSyncStep2) client.step2s++;
        });
      }
    }
    this.provider = new WebsocketProvider(`${hub.url.replace("http", "ws")}/parties/graph`, graphId, this.doc, {
      WebSocketPolyfill: RecordingSocket as never,
      disableBc: true,
      params: options.token === null ? {} : { token: options.token },
    });
    this.provider.on("connection-close", (event) => {
      if (event) this.closes.push({ code: event.code, reason: event.reason });
    });
  }

  /** Waits until the client synced or was refused before the upgrade; a refused client stops reconnecting. */
  async outcome(): Promise<"sync" | Refusal> {
    await waitFor(() => this.provider.synced || this.refused, `sync or refusal of ${this.provider.url}`);
    if (this.refused) {
      this.provider.disconnect();
      return this.refused;
    }
    return "sync";
  }

  get connected(): boolean {
    return this.provider.wsconnected && this.closes.length === 0;
  }

  /**
   * Resolves once the room has handled everything this client sent before: it sends sync step 1 on the same
   * socket and waits for the room's step 2 (a room handles one socket's messages in order).
   */
  async barrier(): Promise<void> {
    const before = this.step2s;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    const ws = this.provider.ws;
    if (!ws) throw new Error("the client is not connected");
    ws.send(encoding.toUint8Array(encoder));
    await waitFor(() => this.step2s > before, "the room's answer to sync step 1", 5000);
  }

  destroy(): void {
    this.provider.destroy();
    this.doc.destroy();
  }
}

/** A bare WebSocket upgrade (a worker connect): open, or refused with a status and error code. */
export class SocketProbe {
  readonly ws: WebSocket;
  refused: Refusal | undefined;
  closed: { code: number; reason: string } | undefined;

  constructor(url: string, headers: Record<string, string>) {
    this.ws = new WebSocket(url, { headers, perMessageDeflate: false });
    this.ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => {
        this.refused = refusal(res.statusCode ?? 0, body);
        this.ws.terminate();
      });
    });
    this.ws.on("close", (code, reason) => (this.closed = { code, reason: reason.toString() }));
    this.ws.on("error", () => {});
  }

  async outcome(): Promise<"open" | Refusal> {
    const done = await waitFor(
      () => (this.ws.readyState === WebSocket.OPEN ? "open" : (this.refused ?? this.closed)),
      "socket open or refused",
    );
    return done === "open" ? "open" : (this.refused ?? { status: 0, code: `closed ${JSON.stringify(this.closed)}` });
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}
