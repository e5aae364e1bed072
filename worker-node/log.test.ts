import { describe, expect, it } from "vitest";
import { prettyLine } from "./log.ts";

describe("prettyLine", () => {
  it("prints time, level, graph/node and extra fields", () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 1, 12, 0, 1),
      workerId: "w",
      graphId: "demo",
      nodeId: "log",
      msg: "hi",
      messageId: "m1",
    });
    expect(prettyLine(line)).toBe("12:00:01 INFO  [demo/log] hi messageId=m1");
  });

  it("passes through lines that are not JSON", () => {
    expect(prettyLine("plain text\n")).toBe("plain text");
  });
});
