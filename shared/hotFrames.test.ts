// The hand-written checks of hot frames accept exactly what the zod schemas accept (FRAME-2, FRAME-4), and
// the hot encoders build frames that parse to what their types say. Seeded: replay with WEFT_SEED=<seed>.
import { describe, expect, it } from "vitest";
import { encodeDeliver, encodePublish, splitMessages } from "./hotFrames.ts";
import { LIMITS } from "./limits.ts";
import { parseRoomFrame, parseRoomFrameStrict, parseWorkerFrame, parseWorkerFrameStrict } from "./protocol.ts";
import { fuzzSeeds, prng } from "./testing/seeds.ts";

const valid = {
  publish: {
    type: "publish",
    seq: 3,
    nodeId: "src",
    epoch: 7,
    port: "out",
    messages: [
      { id: "m1", value: { n: 1 }, ts: 1 },
      { id: "m2", key: "k", value: "é", headers: { trace: "t1" }, ts: 2.5 },
    ],
  },
  ack: { type: "ack", nodeId: "a", epoch: 1, deliveries: [1, 2, 3] },
  nack: { type: "nack", nodeId: "a", epoch: 1, deliveries: [4], error: "boom" },
};

/** Ways to break (or keep) a frame: a field's value replaced, removed or added. */
const replacements: unknown[] = [
  undefined,
  null,
  -1,
  0,
  1.5,
  2 ** 60,
  Number.NaN,
  "",
  "x",
  "bad id!",
  "a".repeat(65),
  "a".repeat(129),
  "a".repeat(257),
  [],
  [1],
  ["x"],
  {},
  { id: "m", value: 1, ts: 1 },
  { id: "m", ts: 1 },
  { id: "m", value: 1, ts: 1, extra: true },
  { id: "m", value: 1, ts: "1" },
  { id: "m", value: 1, ts: 1, headers: { h: 1 } },
  { id: "m", value: 1, ts: 1, key: 5 },
  true,
];

function mutate(frame: Record<string, unknown>, random: () => number): unknown {
  const copy = JSON.parse(JSON.stringify(frame)) as Record<string, unknown>;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const roll = random();
  if (roll < 0.15) copy[pick(["extra", "Type", "messages2"])] = pick(replacements);
  else if (roll < 0.6) {
    const key = pick(Object.keys(copy).filter((k) => k !== "type"));
    const value = pick(replacements);
    if (value === undefined) delete copy[key];
    else copy[key] = value;
  } else if (Array.isArray(copy.messages)) {
    const messages = copy.messages as Array<Record<string, unknown>>;
    const target = pick(messages);
    const key = pick(["id", "key", "value", "headers", "ts", "other"]);
    const value = pick(replacements);
    if (value === undefined) delete target[key];
    else target[key] = value;
  } else if (Array.isArray(copy.deliveries)) {
    (copy.deliveries as unknown[])[0] = pick(replacements);
  }
  return copy;
}

describe("hot frame checks", () => {
  it("accept the valid frames", () => {
    for (const frame of Object.values(valid)) expect(parseWorkerFrame(JSON.stringify(frame)).ok).toBe(true);
  });

  for (const seed of fuzzSeeds([20261202])) {
    it(`seed ${seed}: accept and refuse exactly what zod does, naming a field when they refuse`, () => {
      const random = prng(seed);
      for (let i = 0; i < 3000; i++) {
        const base = Object.values(valid)[i % 3] as Record<string, unknown>;
        const text = JSON.stringify(mutate(base, random));
        const fast = parseWorkerFrame(text);
        const strict = parseWorkerFrameStrict(text);
        if (fast.ok !== strict.ok) throw new Error(`seed ${seed}: fast ${fast.ok}, zod ${strict.ok} for ${text}`);
        if (!fast.ok && !strict.ok) {
          expect(fast.code).toBe(strict.code);
          expect(fast.message).toMatch(/^(publish|ack|nack): \S+: /);
        }
      }
    });
  }

  for (const seed of fuzzSeeds([20261204])) {
    it(`seed ${seed}: the worker's check of deliver frames accepts and refuses exactly what zod does`, () => {
      const random = prng(seed);
      const deliver = {
        type: "deliver",
        nodeId: "a",
        epoch: 2,
        port: "in",
        edge: "e1",
        messages: [
          { d: 1, id: "m1", value: 1, ts: 1 },
          { d: 2, attempt: 3, id: "m2", key: "k", value: { x: [1] }, headers: { h: "v" }, ts: 2 },
        ],
      };
      expect(parseRoomFrame(JSON.stringify(deliver)).ok).toBe(true);
      const extra = [
        ...replacements,
        { d: 1, id: "m", value: 1, ts: 1 },
        { d: -1, id: "m", value: 1, ts: 1 },
        { d: 1, attempt: 0, id: "m", value: 1, ts: 1 },
      ];
      for (let i = 0; i < 3000; i++) {
        const copy = JSON.parse(JSON.stringify(deliver)) as Record<string, unknown>;
        const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
        const roll = random();
        if (roll < 0.4) {
          const key = pick(["nodeId", "epoch", "port", "edge", "messages", "extra"]);
          const value = pick(extra);
          if (value === undefined) delete copy[key];
          else copy[key] = value;
        } else {
          const target = pick(copy.messages as Array<Record<string, unknown>>);
          const key = pick(["d", "attempt", "id", "key", "value", "headers", "ts", "other"]);
          const value = pick(extra);
          if (value === undefined) delete target[key];
          else target[key] = value;
        }
        const text = JSON.stringify(copy);
        const fast = parseRoomFrame(text);
        const strict = parseRoomFrameStrict(text);
        if (fast.ok !== strict.ok) throw new Error(`seed ${seed}: fast ${fast.ok}, zod ${strict.ok} for ${text}`);
      }
    });
  }

  it("refuse limits: too many messages or delivery ids, an error text too long", () => {
    const many = {
      ...valid.publish,
      messages: Array.from({ length: LIMITS.maxBatchMessages + 1 }, (_, i) => ({ id: `m${i}`, value: 0, ts: 0 })),
    };
    expect(parseWorkerFrame(JSON.stringify(many))).toMatchObject({ ok: false, code: "invalid_frame" });
    const ids = { ...valid.ack, deliveries: Array.from({ length: LIMITS.maxAckIds + 1 }, (_, i) => i) };
    expect(parseWorkerFrame(JSON.stringify(ids))).toMatchObject({
      ok: false,
      message: expect.stringContaining("deliveries"),
    });
    const error = { ...valid.nack, error: "e".repeat(LIMITS.maxErrorChars + 1) };
    expect(parseWorkerFrame(JSON.stringify(error))).toMatchObject({
      ok: false,
      message: expect.stringContaining("error"),
    });
  });
});

describe("hot frame encoders", () => {
  it("encodePublish builds the publish frame its type describes", () => {
    const messages = valid.publish.messages.map((m) => JSON.stringify(m));
    const text = encodePublish({ seq: 3, nodeId: "src", epoch: 7, port: "out" }, messages);
    const parsed = parseWorkerFrameStrict(text);
    expect(parsed).toEqual({ ok: true, frame: valid.publish });
  });

  it("encodeDeliver puts d and attempt (when past the first) on each stored message", () => {
    const texts = valid.publish.messages.map((m) => JSON.stringify(m));
    const text = encodeDeliver({ nodeId: "a", epoch: 2, port: "in", edge: "e1" }, [
      { d: 10, attempt: 1, text: texts[0]! },
      { d: 11, attempt: 3, text: texts[1]! },
    ]);
    expect(parseRoomFrame(text)).toEqual({
      ok: true,
      frame: {
        type: "deliver",
        nodeId: "a",
        epoch: 2,
        port: "in",
        edge: "e1",
        messages: [
          { d: 10, ...valid.publish.messages[0] },
          { d: 11, attempt: 3, ...valid.publish.messages[1] },
        ],
      },
    });
  });
});

describe("splitMessages", () => {
  const tricky = [
    { id: "a", value: 'a "quoted" ] } [ { , string \\', ts: 1 },
    { id: "b", value: { messages: [1, 2], nested: { "x]": "}" } }, ts: 2, headers: { h: '\\"' } },
    { id: "c", value: ["é☃𝄞", null, true, -1.5e3], ts: 3 },
  ];

  it("cuts the messages from a frame's text exactly as JSON.stringify writes them", () => {
    const text = encodePublish(
      { seq: 1, nodeId: "n", epoch: 1, port: "out" },
      tricky.map((m) => JSON.stringify(m)),
    );
    expect(splitMessages(text, 3)).toEqual(tricky.map((m) => JSON.stringify(m)));
  });

  it('finds messages wherever the key is, and not a "messages" inside a value or a nested object', () => {
    const messages = [{ id: "m", value: { messages: ["decoy"] }, ts: 1 }];
    const text = `{"messages":${JSON.stringify(messages)},"type":"publish","seq":1,"nodeId":"n","epoch":1,"port":"p"}`;
    expect(splitMessages(text, 1)).toEqual([JSON.stringify(messages[0])]);
    const decoy = `{"type":"publish","port":"\\"messages\\":[","x":{"messages":[{"id":"no"}]},"messages":[{"id":"yes","value":1,"ts":1}]}`;
    expect(splitMessages(decoy, 1)).toEqual(['{"id":"yes","value":1,"ts":1}']);
  });

  it("gives up (undefined) on a count that differs, raw newlines or non-object elements; spaces are fine", () => {
    const pretty = JSON.stringify({ type: "publish", messages: tricky }, null, 2);
    expect(splitMessages(pretty, 3)).toBeUndefined();
    expect(
      splitMessages(encodePublish({ seq: 1, nodeId: "n", epoch: 1, port: "o" }, ['{"id":"a"}']), 2),
    ).toBeUndefined();
    expect(splitMessages('{"messages":[1,2]}', 2)).toBeUndefined();
    expect(splitMessages('{"messages": [ {"id":"a"} , {"id":"b"} ] }', 2)).toEqual(['{"id":"a"}', '{"id":"b"}']);
    expect(splitMessages('{"type":"publish"}', 0)).toBeUndefined();
  });

  for (const seed of fuzzSeeds([20261203])) {
    it(`seed ${seed}: random messages split back to what JSON.stringify makes of them`, () => {
      const random = prng(seed);
      const chars = ['"', "\\", "]", "[", "{", "}", ",", ":", "a", "é", " ", "\u2028", "𝄞"];
      const str = () =>
        Array.from({ length: Math.floor(random() * 12) }, () => chars[Math.floor(random() * chars.length)]).join("");
      for (let round = 0; round < 200; round++) {
        const messages = Array.from({ length: 1 + Math.floor(random() * 20) }, (_, i) => ({
          id: `m${i}${str()}`,
          value: random() < 0.5 ? str() : { [str()]: [str(), { k: str() }], n: random() },
          ts: i,
        }));
        const text = encodePublish(
          { seq: 1, nodeId: "n", epoch: 1, port: "o" },
          messages.map((m) => JSON.stringify(m)),
        );
        const split = splitMessages(text, messages.length);
        if (JSON.stringify(split) !== JSON.stringify(messages.map((m) => JSON.stringify(m)))) {
          throw new Error(`seed ${seed} round ${round}: ${text}`);
        }
      }
    });
  }
});
