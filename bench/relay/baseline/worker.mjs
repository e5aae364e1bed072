// The relay benchmark's baseline: the least a durable relay in a Durable Object must do. A producer frame is
// stored whole with one INSERT, answered with `published`, and forwarded unparsed to the consumer once per
// fan-out copy; when the consumer has acked every copy the row is deleted and the producer told `done`.
// No validation, no per-message work: the room's broker is compared against this.
import { DurableObject } from "cloudflare:workers";

const PUBLISH_PREFIX = '{"type":"publish"';

export class Relay extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS frames (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    this.nextId = this.sql.exec("SELECT coalesce(max(id), 0) AS m FROM frames").one().m + 1;
    this.fanout = this.sql.exec("SELECT value FROM meta WHERE key = 'fanout'").toArray()[0]?.value ?? 1;
    /** Frame id → copies not yet acked (a frame stored before a restart counts as fully owed). */
    this.owed = new Map();
    /** The two sockets, looked up once (instance fields are gone after hibernation; they are found again). */
    this.sockets = new Map();
  }

  socket(role) {
    let ws = this.sockets.get(role);
    if (ws === undefined) {
      ws = this.ctx.getWebSockets(role)[0];
      if (ws) this.sockets.set(role, ws);
    }
    return ws;
  }

  async fetch(request) {
    const url = new URL(request.url);
    const role = url.searchParams.get("role");
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || (role !== "producer" && role !== "consumer")) {
      return new Response("connect a WebSocket with ?role=producer|consumer", { status: 400 });
    }
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [role]);
    this.sockets.delete(role);
    if (role === "producer") {
      this.fanout = Math.max(1, Math.min(16, Number(url.searchParams.get("fanout") ?? 1) || 1));
      this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('fanout', ?)", this.fanout);
    } else {
      // Frames stored while no consumer was connected go out now.
      for (const row of this.sql.exec("SELECT id, body FROM frames ORDER BY id"))
        this.forward(pair[1], row.id, row.body);
    }
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  webSocketMessage(ws, message) {
    if (typeof message !== "string") return;
    if (message.startsWith(PUBLISH_PREFIX)) {
      const id = this.nextId++;
      this.sql.exec("INSERT INTO frames(id, body) VALUES (?, ?)", id, message);
      this.owed.set(id, this.fanout);
      ws.send(`{"type":"published","f":${id}}`);
      const consumer = this.socket("consumer");
      if (consumer) this.forward(consumer, id, message);
      return;
    }
    const ack = JSON.parse(message);
    if (ack.type !== "ack") return;
    const left = (this.owed.get(ack.f) ?? this.fanout) - 1;
    if (left > 0) {
      this.owed.set(ack.f, left);
      return;
    }
    this.owed.delete(ack.f);
    this.sql.exec("DELETE FROM frames WHERE id = ?", ack.f);
    this.socket("producer")?.send(`{"type":"done","f":${ack.f}}`);
  }

  forward(consumer, id, body) {
    for (let e = 0; e < this.fanout; e++) consumer.send(`{"type":"deliver","f":${id},"e":${e},"frame":${body}}`);
  }

  webSocketClose(ws, code) {
    this.sockets.clear();
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {
      // already closed
    }
  }
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    const match = /^\/relay\/([A-Za-z0-9_-]{1,64})$/.exec(pathname);
    if (pathname === "/health") return new Response("ok");
    if (!match) return new Response("not found", { status: 404 });
    return env.RELAY.getByName(match[1]).fetch(request);
  },
};
