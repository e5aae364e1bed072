// A stock y-websocket client for integration tests: it records every close the room sent (code and reason)
// and every y-protocols "permission denied" reason, and can be told not to reconnect after a close.
import WebSocket from "ws";
import * as authProtocol from "y-protocols/auth";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { type Hub, waitFor } from "./harness.ts";

const MESSAGE_AUTH = 2;

export interface YClientOptions {
  /** An access token (default: the hub's admin token). */
  token?: string;
  /** Reconnect after the room closes the socket (y-websocket's default); false for clients that are meant to be refused. */
  reconnect?: boolean;
}

export class YClient {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  /** Closes the room sent, in order (a local close is not recorded). */
  readonly closes: Array<{ code: number; reason: string }> = [];
  /** Reasons of y-protocols auth "permission denied" messages. */
  readonly denied: string[] = [];

  constructor(hub: Hub, graphId: string, options: YClientOptions = {}) {
    const reconnect = options.reconnect ?? true;
    this.provider = new WebsocketProvider(`${hub.url.replace("http", "ws")}/parties/graph`, graphId, this.doc, {
      WebSocketPolyfill: WebSocket as never,
      disableBc: true,
      params: { token: options.token ?? hub.adminToken },
      shouldReconnect: () => reconnect,
    });
    // The stock handler only logs the reason with console.warn; keep it for assertions instead.
    this.provider.messageHandlers[MESSAGE_AUTH] = (_encoder, decoder) =>
      authProtocol.readAuthMessage(decoder, this.doc, (_doc, reason) => this.denied.push(reason));
    this.provider.on("connection-close", (event) => {
      if (event) this.closes.push({ code: event.code, reason: event.reason });
    });
  }

  get connected(): boolean {
    return this.provider.wsconnected;
  }

  async synced(timeoutMs = 15_000): Promise<this> {
    await waitFor(() => this.provider.synced, `y-websocket sync of ${this.provider.roomname}`, timeoutMs);
    return this;
  }

  /** The first close the room sent. */
  async closed(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closes[0], `the room closing ${this.provider.roomname}`, timeoutMs);
  }

  destroy(): void {
    this.provider.destroy();
    this.doc.destroy();
  }
}

/** Opens clients and destroys every one of them on `closeAll` (call it from afterAll/afterEach). */
export class YClients {
  private readonly open = new Set<YClient>();

  constructor(private readonly hub: () => Hub) {}

  connect(graphId: string, options?: YClientOptions): YClient {
    const client = new YClient(this.hub(), graphId, options);
    this.open.add(client);
    return client;
  }

  /** A connected, synced client. */
  async synced(graphId: string, options?: YClientOptions): Promise<YClient> {
    return this.connect(graphId, options).synced();
  }

  close(client: YClient): void {
    client.destroy();
    this.open.delete(client);
  }

  closeAll(): void {
    for (const client of this.open) client.destroy();
    this.open.clear();
  }
}
