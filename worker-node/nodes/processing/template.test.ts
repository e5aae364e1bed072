// Tests for the template node: placeholders for value, key, headers, id and ts; objects as JSON; missing
// paths; strict; json output; the 256 KiB cap; and templates refused at start().
import { describe, expect, it } from "vitest";
import { startNode } from "../../testing/context.ts";
import { compileTemplate, MAX_RENDERED_BYTES, templateNode } from "./template.ts";

describe("template node", () => {
  it("renders {{value}} by default and keeps key and headers", async () => {
    const node = await startNode(templateNode, {});
    await node.send("hello", "in", { key: "k", headers: { h: "v" } });
    await node.send(42);
    expect(node.ctx.emitted).toEqual([
      ["out", "hello", { key: "k", headers: { h: "v" } }],
      ["out", "42", {}],
    ]);
  });

  it("fills placeholders for value fields, key, headers, id and ts", async () => {
    const template = "{{ value.name }} is {{value.t}}°C (sensor {{key}}, {{headers.kind}}, {{id}} at {{ts}})";
    const node = await startNode(templateNode, { template });
    await node.send({ name: "kitchen", t: 21.5 }, "in", { key: "s7", headers: { kind: "reading" }, ts: 99 });
    expect(node.ctx.emitted[0]?.[1]).toBe("kitchen is 21.5°C (sensor s7, reading, m1 at 99)");
  });

  it("renders objects, arrays, booleans and null as JSON, and {{json …}} quotes strings", async () => {
    const node = await startNode(templateNode, {
      template: "{{value.o}} {{value.a}} {{value.b}} {{value.n}} {{json value.s}}",
    });
    await node.send({ o: { x: 1 }, a: [1, "2"], b: false, n: null, s: 'say "hi"' });
    expect(node.ctx.emitted[0]?.[1]).toBe('{"x":1} [1,"2"] false null "say \\"hi\\""');
  });

  it("renders a path that finds nothing as empty text", async () => {
    const node = await startNode(templateNode, { template: "[{{value.missing}}][{{key}}]" });
    await node.send({});
    expect(node.ctx.emitted[0]?.[1]).toBe("[][]");
  });

  it("with strict, a path that finds nothing is an error naming it", async () => {
    const node = await startNode(templateNode, { template: "{{value.name}}", strict: true });
    await expect(node.send({})).rejects.toThrow(
      /template: \{\{value.name\}\} found nothing in message m1 \(strict is on\)/,
    );
    expect(node.ctx.emitted).toEqual([]);
  });

  it("keeps \\{{ as a literal {{", async () => {
    const node = await startNode(templateNode, { template: "\\{{value}} = {{value}}" });
    await node.send(1);
    expect(node.ctx.emitted[0]?.[1]).toBe("{{value}} = 1");
  });

  it("with output json, emits the value the rendered text spells", async () => {
    const template = '{"name": {{json value.name}}, "t": {{value.t}}, "tags": {{value.tags}}}';
    const node = await startNode(templateNode, { template, output: "json" });
    await node.send({ name: "k", t: 3, tags: ["a"] });
    expect(node.ctx.emitted[0]?.[1]).toEqual({ name: "k", t: 3, tags: ["a"] });
  });

  it("with output json, rendered text that is not JSON is an error naming the position", async () => {
    const node = await startNode(templateNode, { template: '{"name": {{value}}}', output: "json" });
    await expect(node.send("bare")).rejects.toThrow(
      /template: output is json but the rendered text is not valid JSON: unexpected "b" where a value should be at position 9/,
    );
  });

  it("refuses a rendered text over 256 KiB", async () => {
    const node = await startNode(templateNode, { template: "{{value}}{{value}}" });
    const half = "x".repeat(MAX_RENDERED_BYTES / 2);
    await node.send(half);
    expect(node.ctx.emitted).toHaveLength(1);
    await expect(node.send(`${half}é`)).rejects.toThrow(/template: the rendered text is over 262144 bytes/);
  });

  it("counts the cap in UTF-8 bytes, not characters", async () => {
    const node = await startNode(templateNode, {});
    await expect(node.send("é".repeat(MAX_RENDERED_BYTES / 2 + 1))).rejects.toThrow(/over 262144 bytes/);
  });

  it("start() refuses an unclosed placeholder, naming its position", async () => {
    await expect(startNode(templateNode, { template: "ok {{value" })).rejects.toThrow(
      /template: param "template" has a "\{\{" at position 3 that is never closed/,
    );
  });

  it("start() refuses a placeholder with a bad path, naming it and the valid roots", async () => {
    await expect(startNode(templateNode, { template: "{{value}} {{name}}" })).rejects.toThrow(
      /template: param "template" placeholder \{\{name\}\} at position 10: path "name" must start with one of value, key, headers, id, ts/,
    );
  });

  it("refuses an unknown output and a non-boolean strict through the schema", async () => {
    await expect(startNode(templateNode, { output: "xml" })).rejects.toThrow(
      /param "output" must be one of "text", "json"/,
    );
    await expect(startNode(templateNode, { strict: 1 })).rejects.toThrow(/param "strict" must be a boolean/);
  });

  it("compileTemplate splits literal text and placeholders", () => {
    const parts = compileTemplate("a {{value}} b {{json key}}");
    expect(parts.map((p) => (typeof p === "string" ? p : `<${p.json ? "json " : ""}${p.path.text}>`))).toEqual([
      "a ",
      "<value>",
      " b ",
      "<json key>",
    ]);
  });
});
