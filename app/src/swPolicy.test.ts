import { describe, expect, it } from "vitest";
import { isShellResponse, parseSwMessage, routeRequest } from "./swPolicy.ts";

const origin = "http://127.0.0.1:8787";
const shell = new Set(["/", "/assets/index-abc.js", "/assets/index-abc.css"]);
const get = (path: string, mode = "cors") => ({ url: `${origin}${path}`, method: "GET", mode });

describe("routeRequest", () => {
  it("answers page loads from the shell, but never a login link", () => {
    expect(routeRequest(get("/", "navigate"), origin, shell)).toEqual({ kind: "shell" });
    expect(routeRequest(get("/g/demo", "navigate"), origin, shell)).toEqual({ kind: "shell" });
    expect(routeRequest(get("/g/demo?token=abc", "navigate"), origin, shell)).toEqual({ kind: "pass" });
  });

  it("serves built assets from the cache", () => {
    expect(routeRequest(get("/assets/index-abc.js"), origin, shell)).toEqual({ kind: "asset" });
    expect(routeRequest(get("/assets/elk-new.js"), origin, shell)).toEqual({ kind: "asset" });
  });

  it("never answers the API, rooms or hooks, not even a page load of them", () => {
    for (const path of ["/api", "/api/me", "/api/graphs/g/status", "/parties/graph/g", "/hooks/g/n"]) {
      expect(routeRequest(get(path), origin, shell)).toEqual({ kind: "pass" });
      expect(routeRequest(get(path, "navigate"), origin, shell)).toEqual({ kind: "pass" });
    }
    expect(routeRequest(get("/apis-are-pages", "navigate"), origin, shell)).toEqual({ kind: "shell" });
  });

  it("passes writes through, watching only a graph's DELETE", () => {
    const del = (path: string) => ({ url: `${origin}${path}`, method: "DELETE", mode: "cors" });
    expect(routeRequest(del("/api/graphs/g-1"), origin, shell)).toEqual({ kind: "graph-delete", graphId: "g-1" });
    expect(routeRequest(del("/api/graphs/g-1/secrets/KEY"), origin, shell)).toEqual({ kind: "pass" });
    expect(routeRequest({ url: `${origin}/api/graphs`, method: "POST", mode: "cors" }, origin, shell)).toEqual({
      kind: "pass",
    });
  });

  it("leaves other origins alone", () => {
    expect(routeRequest({ url: "https://cdn.example/x.js", method: "GET", mode: "cors" }, origin, shell)).toEqual({
      kind: "pass",
    });
    expect(
      routeRequest({ url: "https://cdn.example/assets/a.js", method: "GET", mode: "navigate" }, origin, shell),
    ).toEqual({ kind: "pass" });
  });
});

describe("isShellResponse", () => {
  const response = (status: number, type: string, contentType: string) => ({
    ok: status >= 200 && status < 300,
    status,
    type,
    headers: { get: (name: string) => (name === "content-type" ? contentType : null) },
  });

  it("keeps only a 200 HTML page of this origin", () => {
    expect(isShellResponse(response(200, "basic", "text/html; charset=utf-8"))).toBe(true);
    expect(isShellResponse(response(401, "basic", "text/html"))).toBe(false);
    expect(isShellResponse(response(0, "opaqueredirect", ""))).toBe(false);
    expect(isShellResponse(response(200, "basic", "application/json"))).toBe(false);
  });
});

describe("parseSwMessage", () => {
  it("accepts only a well-formed graph-deleted message", () => {
    expect(parseSwMessage({ type: "weft:graph-deleted", graphId: "g" })).toEqual({
      type: "weft:graph-deleted",
      graphId: "g",
    });
    for (const data of [null, "x", { type: "other", graphId: "g" }, { type: "weft:graph-deleted", graphId: "a b" }]) {
      expect(parseSwMessage(data)).toBeUndefined();
    }
  });
});
