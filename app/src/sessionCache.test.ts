import { describe, expect, it } from "vitest";
import { ApiError } from "../../shared/errors.ts";
import type { Me } from "./api.ts";
import {
  cachedSession,
  forgetSession,
  hubUnreachable,
  retryDelayMs,
  SESSION_KEY,
  saveSession,
} from "./sessionCache.ts";
import { memoryStorage } from "./storageFake.ts";

const me: Me = { user: "ada", name: "Ada", role: "editor", graphs: ["g"], expires: 2000 };

describe("the cached session", () => {
  it("gives back the user and role it kept, and no token", () => {
    const store = memoryStorage();
    saveSession(store, me, 1000);
    expect(cachedSession(store, 1_000_000)).toEqual(me);
    expect(store.map.get(SESSION_KEY)).not.toMatch(/token|eyJ/);
  });

  it("is not used once the session's token has expired", () => {
    const store = memoryStorage();
    saveSession(store, me, 1000);
    expect(cachedSession(store, 2000 * 1000 - 1)).toEqual(me);
    expect(cachedSession(store, 2000 * 1000)).toBeUndefined();
    saveSession(store, { ...me, expires: null }, 1000);
    expect(cachedSession(store, Number.MAX_SAFE_INTEGER)).toEqual({ ...me, expires: null });
  });

  it("is gone after forgetSession (sign-out, 401)", () => {
    const store = memoryStorage();
    saveSession(store, me, 1000);
    forgetSession(store);
    expect(cachedSession(store, 0)).toBeUndefined();
  });

  it("refuses a damaged or foreign entry instead of signing anyone in", () => {
    const store = memoryStorage();
    for (const text of ["", "{", "null", '{"me":{}}', JSON.stringify({ me: { ...me, role: "owner" } })]) {
      store.setItem(SESSION_KEY, text);
      expect(cachedSession(store, 0)).toBeUndefined();
    }
    store.setItem(SESSION_KEY, JSON.stringify({ me: { ...me, graphs: [1] } }));
    expect(cachedSession(store, 0)).toBeUndefined();
  });
});

describe("hubUnreachable", () => {
  it("is a network error or a gateway's 502/504, never an answer of the hub", () => {
    expect(hubUnreachable(new TypeError("Failed to fetch"))).toBe(true);
    expect(hubUnreachable(new ApiError(502, "http_502", "bad gateway"))).toBe(true);
    expect(hubUnreachable(new ApiError(504, "http_504", "timeout"))).toBe(true);
    for (const status of [400, 401, 403, 404, 500, 503]) {
      expect(hubUnreachable(new ApiError(status, "x", "y"))).toBe(false);
    }
    expect(hubUnreachable(new Error("something else"))).toBe(false);
    expect(hubUnreachable(undefined)).toBe(false);
  });
});

describe("retryDelayMs", () => {
  it("starts at 2 s, doubles, and stays at most a minute", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(retryDelayMs)).toEqual([
      2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });
});
