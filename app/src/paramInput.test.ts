// Param form input parsing for every param kind, checked with the room's own schema (paramProblem).
import { describe, expect, it } from "vitest";
import type { ParamSpec } from "../../shared/nodeTypes.ts";
import {
  durationHint,
  durationInWords,
  inputText,
  parseParamInput,
  sameValue,
  storedValueProblem,
} from "./paramInput.ts";

const interval: ParamSpec = { type: "integer", title: "Interval", default: 1000, min: 1, max: 3_600_000 };

describe("parseParamInput: numbers", () => {
  it("accepts an integer in range", () => {
    expect(parseParamInput(interval, " 250 ")).toEqual({ ok: true, value: 250 });
  });
  it("refuses empty, non-numbers, fractions and out-of-range integers, in the room's words", () => {
    expect(parseParamInput(interval, "")).toEqual({ ok: false, error: "Enter a number." });
    expect(parseParamInput(interval, "abc")).toEqual({ ok: false, error: "Enter a number." });
    expect(parseParamInput(interval, "2.5")).toEqual({ ok: false, error: "Enter a whole number." });
    expect(parseParamInput(interval, "0")).toEqual({ ok: false, error: "Must be at least 1, got 0." });
    expect(parseParamInput(interval, "3600001")).toEqual({ ok: false, error: "Must be at most 3600000, got 3600001." });
  });
  it("accepts fractions for number params", () => {
    expect(parseParamInput({ type: "number", title: "Ratio", default: 0.5 }, "0.25")).toEqual({
      ok: true,
      value: 0.25,
    });
  });
});

describe("parseParamInput: text, boolean, select", () => {
  const prefix: ParamSpec = { type: "text", title: "Prefix", default: "" };
  it("passes text through as typed, and booleans", () => {
    expect(parseParamInput(prefix, "> ")).toEqual({ ok: true, value: "> " });
    expect(parseParamInput({ type: "boolean", title: "On", default: false }, true)).toEqual({ ok: true, value: true });
    expect(parseParamInput({ type: "boolean", title: "On", default: true }, false)).toEqual({ ok: true, value: false });
  });
  it("refuses an empty required text and one over maxLength", () => {
    const url: ParamSpec = { type: "text", title: "URL", default: "", required: true, maxLength: 10 };
    expect(parseParamInput(url, "")).toEqual({ ok: false, error: "Is required." });
    expect(parseParamInput(url, "https://example.com")).toEqual({
      ok: false,
      error: "Must be at most 10 characters, got 19.",
    });
  });
  it("accepts only a select's choices", () => {
    const method: ParamSpec = { type: "select", title: "Method", default: "GET", choices: ["GET", "POST"] };
    expect(parseParamInput(method, "POST")).toEqual({ ok: true, value: "POST" });
    expect(parseParamInput(method, "PATCH")).toEqual({
      ok: false,
      error: 'Must be one of "GET", "POST", got "PATCH".',
    });
  });
});

describe("parseParamInput: json", () => {
  const headers: ParamSpec = { type: "json", title: "Headers", default: {} };
  it("parses any JSON value", () => {
    expect(parseParamInput(headers, ' { "a": [1, null] } ')).toEqual({ ok: true, value: { a: [1, null] } });
    expect(parseParamInput(headers, "42")).toEqual({ ok: true, value: 42 });
  });
  it("says why text is not JSON, and refuses an empty field", () => {
    const bad = parseParamInput(headers, "{ a: 1 }");
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^Not JSON: /);
    expect(parseParamInput(headers, "  ")).toEqual({
      ok: false,
      error: "Enter a JSON value, for example {} or [] or null.",
    });
  });
  it("refuses a value nested deeper than the document allows", () => {
    const deep = `${"[".repeat(40)}${"]".repeat(40)}`;
    expect(parseParamInput(headers, deep).ok).toBe(false);
  });
});

describe("parseParamInput: code and duration", () => {
  it("keeps code as typed, and refuses an empty required one", () => {
    const code: ParamSpec = { type: "code", title: "Code", default: "", language: "javascript", required: true };
    expect(parseParamInput(code, "return value;\n")).toEqual({ ok: true, value: "return value;\n" });
    expect(parseParamInput(code, "")).toEqual({ ok: false, error: "Is required." });
  });
  it('accepts "5s", "250ms", "1h30m" as typed and a bare number as milliseconds, within bounds', () => {
    const timeout: ParamSpec = { type: "duration", title: "Timeout", default: "5s", min: 100, max: 7_200_000 };
    expect(parseParamInput(timeout, " 5s ")).toEqual({ ok: true, value: "5s" });
    expect(parseParamInput(timeout, "250ms")).toEqual({ ok: true, value: "250ms" });
    expect(parseParamInput(timeout, "1h30m")).toEqual({ ok: true, value: "1h30m" });
    expect(parseParamInput(timeout, "1500")).toEqual({ ok: true, value: 1500 });
    expect(parseParamInput(timeout, "50ms")).toEqual({ ok: false, error: "Must be at least 100ms, got 50ms." });
    expect(parseParamInput(timeout, "3h")).toEqual({ ok: false, error: "Must be at most 2h, got 3h." });
    expect(parseParamInput(timeout, "soon").ok).toBe(false);
    expect(parseParamInput(timeout, "").ok).toBe(false);
  });
  it("says what a duration means in words", () => {
    expect(durationInWords(250)).toBe("250 milliseconds");
    expect(durationInWords(1)).toBe("1 millisecond");
    expect(durationInWords(1500)).toBe("1.5 seconds");
    expect(durationInWords(5_400_000)).toBe("1 hour 30 minutes");
    expect(durationInWords(90_061_000)).toBe("1 day 1 hour 1 minute 1 second");
    expect(durationHint("1h30m")).toBe("1 hour 30 minutes");
    expect(durationHint("750")).toBe("750 milliseconds");
    expect(durationHint("5 parsecs")).toBeUndefined();
  });
});

describe("param field helpers", () => {
  it("refuses secrets typed into the form: they have their own field", () => {
    expect(parseParamInput({ type: "secret", title: "Token", default: "" }, "hunter2").ok).toBe(false);
  });
  it("reports a stored value the schema refuses, never a secret reference", () => {
    expect(storedValueProblem(interval, 0)).toBe("The stored value must be at least 1, got 0.");
    expect(storedValueProblem(interval, 10)).toBeUndefined();
    expect(storedValueProblem({ type: "text", title: "URL", default: "", required: true }, "")).toBe(
      "Required: the node cannot run until this is set.",
    );
    expect(storedValueProblem({ type: "secret", title: "T", default: "" }, { $secret: "T" })).toBeUndefined();
  });
  it("shows JSON pretty-printed and other values as text", () => {
    expect(inputText({ type: "json", title: "J", default: {} }, { a: 1 })).toBe('{\n  "a": 1\n}');
    expect(inputText({ type: "duration", title: "D", default: "5s" }, 1500)).toBe("1500");
    expect(inputText({ type: "text", title: "T", default: "" }, null)).toBe("");
  });
  it("compares values as JSON, so an unchanged object writes nothing", () => {
    expect(sameValue({ a: [1] }, { a: [1] })).toBe(true);
    expect(sameValue({ a: [1] }, { a: [2] })).toBe(false);
    expect(sameValue("1", 1)).toBe(false);
  });
});
