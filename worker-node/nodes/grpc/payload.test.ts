// How the grpc node turns messages into gofi messages and answers back into values (json, text, base64).
import { describe, expect, it } from "vitest";
import { decodeAnswer, encodeRequest } from "./payload.ts";

describe("grpc payloads", () => {
  it("a request's key is the message key, else its id; its value is the JSON text as UTF-8 bytes", () => {
    expect(encodeRequest({ id: "m1", key: "k", value: { a: "é" } })).toEqual({
      key: "k",
      value: Buffer.from('{"a":"é"}', "utf8"),
    });
    expect(encodeRequest({ id: "m2", value: 7 }).key).toBe("m2");
    expect(encodeRequest({ id: "m3", value: null }).value.toString()).toBe("null");
  });

  it("an answer that parses as JSON is its value (encoding json); an empty key is no key", () => {
    expect(decodeAnswer({ key: "k", value: Buffer.from('{"n":6,"factors":[2,3]}') })).toEqual({
      key: "k",
      value: { n: 6, factors: [2, 3] },
      encoding: "json",
    });
    expect(decodeAnswer({ key: "", value: Buffer.from("42") })).toEqual({
      key: undefined,
      value: 42,
      encoding: "json",
    });
  });

  it("UTF-8 that is not JSON (or only parses to Infinity) is kept as text; other bytes become base64", () => {
    expect(decodeAnswer({ key: "k", value: Buffer.from("héllo") })).toMatchObject({ value: "héllo", encoding: "text" });
    expect(decodeAnswer({ key: "k", value: Buffer.from("[1e400]") })).toMatchObject({
      value: "[1e400]",
      encoding: "text",
    });
    expect(decodeAnswer({ key: "k", value: Buffer.from([0xc3, 0x28]) })).toMatchObject({
      value: "wyg=",
      encoding: "base64",
    });
  });
});
