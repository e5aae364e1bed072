import { describe, expect, it } from "vitest";
import { CloseCode } from "../../shared/protocol.ts";
import { closeVerdict, EDITOR_CLOSE, lostCopyNotice, STALE_DOCUMENT } from "./roomClose.ts";

describe("closeVerdict", () => {
  it("uses the room's own close codes", () => {
    for (const [name, code] of Object.entries(EDITOR_CLOSE)) {
      expect(CloseCode[name as keyof typeof CloseCode]).toBe(code);
    }
  });

  it("CLOSE-5: the graph was deleted", () => {
    expect(closeVerdict(4005, "graph deleted", undefined)).toEqual({ kind: "deleted" });
  });

  it("CLOSE-16: the generation is retired", () => {
    expect(closeVerdict(4016, "graph replaced", undefined)).toEqual({ kind: "retired" });
  });

  it("CLOSE-11 with stale_document (UPDATE-3): retired, told by the refused push or by the reason", () => {
    expect(closeVerdict(4011, "update refused", STALE_DOCUMENT)).toEqual({ kind: "retired" });
    const reason =
      "update refused: this edit belongs to an earlier version of the graph (it was replaced or deleted); reload to continue";
    expect(closeVerdict(4011, reason, undefined)).toEqual({ kind: "retired" });
  });

  it("CLOSE-11 for anything else: only this copy is refused", () => {
    expect(closeVerdict(4011, "update refused: the update is too large", "update_too_large")).toEqual({
      kind: "refused",
    });
  });

  it("CLOSE-15 expired, CLOSE-10 rate limited, anything else retried", () => {
    expect(closeVerdict(4015, "", undefined)).toEqual({ kind: "expired" });
    expect(closeVerdict(4010, "200 messages per second", undefined)).toEqual({
      kind: "rate-limited",
      reason: "200 messages per second",
    });
    for (const code of [undefined, 1000, 1006, 1009, 4017]) {
      expect(closeVerdict(code, "", STALE_DOCUMENT)).toEqual({ kind: "retry" });
    }
  });
});

describe("lostCopyNotice", () => {
  it("says the offline changes could not be kept, and stays until dismissed, when there were some", () => {
    const deleted = lostCopyNotice("deleted", 3);
    expect(deleted).toMatchObject({ kind: "error", sticky: true });
    expect(deleted.text).toContain("deleted on the hub; your 3 changes made offline could not be kept");
    const replaced = lostCopyNotice("retired", 1);
    expect(replaced.text).toContain("replaced on the hub; your 1 change made offline could not be kept");
    expect(replaced.text).toContain("Download my offline copy");
  });

  it("is a passing note when nothing was lost", () => {
    expect(lostCopyNotice("deleted", 0)).toMatchObject({ kind: "info", sticky: false });
    expect(lostCopyNotice("retired", 0)).toMatchObject({ kind: "info", sticky: false });
  });
});
