// Tests for hub URL parsing and the room / API URLs derived from it (CONN-2).
import { describe, expect, it } from "vitest";
import { apiUrl, parseHubUrl, roomUrl } from "./urls.ts";

describe("hub URLs", () => {
  it.each([
    ["http://127.0.0.1:8787", "ws://127.0.0.1:8787/parties/graph/demo?role=worker", "http://127.0.0.1:8787/api/graphs"],
    ["https://weft.example/", "wss://weft.example/parties/graph/demo?role=worker", "https://weft.example/api/graphs"],
    ["ws://h:1/base/", "ws://h:1/base/parties/graph/demo?role=worker", "http://h:1/base/api/graphs"],
    ["wss://h", "wss://h/parties/graph/demo?role=worker", "https://h/api/graphs"],
  ])("%s", (raw, room, api) => {
    const hub = parseHubUrl(raw);
    if (!hub) throw new Error(`${raw} should parse`);
    expect(roomUrl(hub, "demo").href).toBe(room);
    expect(apiUrl(hub, "/api/graphs").href).toBe(api);
  });

  it.each(["127.0.0.1:8787", "ftp://h", "http://h/?x=1", "http://u:p@h", "not a url"])("refuses %s", (raw) => {
    expect(parseHubUrl(raw)).toBeUndefined();
  });
});
