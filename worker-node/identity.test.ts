// Tests for default worker ids: always valid ids (ID_PATTERN), whatever the host name.
import { describe, expect, it } from "vitest";
import { ID_PATTERN } from "../shared/limits.ts";
import { defaultWorkerId, sanitizeHostname } from "./identity.ts";

describe("defaultWorkerId", () => {
  it.each([
    ["build.box.local", "build-box-local"],
    ["my host_1", "my-host_1"],
    ["...", "worker"],
    ["", "worker"],
    ["ünïcode-ß", "n-code"],
  ])("sanitizes %j", (hostname, expected) => {
    expect(sanitizeHostname(hostname)).toBe(expected);
  });

  it("is <hostname>-<6 chars> and valid even for a very long host name", () => {
    expect(defaultWorkerId("box", "abc123")).toBe("box-abc123");
    const id = defaultWorkerId("x".repeat(300));
    expect(id).toMatch(ID_PATTERN);
    expect(id).toMatch(/^x+-[a-z0-9]{6}$/);
  });
});
