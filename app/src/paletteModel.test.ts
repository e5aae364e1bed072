// The palette's grouping (Sources, Processing, Sinks, then other categories by title) and its search.
import { describe, expect, it } from "vitest";
import type { NodeTypeInfo } from "../../shared/status.ts";
import { builtinInfos } from "./nodeTypeStore.ts";
import { categoryClass, categoryTitle, matchesQuery, paletteGroups } from "./paletteModel.ts";

const info = (type: string, category: string, title: string, description = "Does things."): NodeTypeInfo => ({
  type,
  version: "1.0.0",
  title,
  category,
  description,
  inputs: ["in"],
  outputs: ["out", "error"],
  params: {},
  labels: [],
  source: "worker",
  available: true,
  workers: [],
});

const types = [
  info("sentiment", "ml", "Sentiment", "Scores the mood of a text."),
  info("write-db", "sink", "Write to DB", "Stores each message."),
  info("zip", "archive-tools", "Zip"),
  info("tick", "source", "Tick", "Emits a number every second."),
  info("upper", "processing", "Upper case", "Turns text into capitals."),
  info("avro", "processing", "Avro decode", "Decodes Avro records."),
  info("ocr", "machine-learning", "OCR", "Reads text in images."),
];

describe("palette groups", () => {
  it("lists Sources, Processing, Sinks first, then other categories by title, types by title within each", () => {
    const groups = paletteGroups(types);
    expect(groups.map((g) => [g.category, g.title])).toEqual([
      ["source", "Sources"],
      ["processing", "Processing"],
      ["sink", "Sinks"],
      ["archive-tools", "Archive tools"],
      ["machine-learning", "Machine learning"],
      ["ml", "ML"],
    ]);
    expect(groups[1]?.types.map((t) => t.type)).toEqual(["avro", "upper"]);
  });

  it("puts every built-in under one of the known categories", () => {
    const groups = paletteGroups(builtinInfos());
    expect(groups.map((g) => g.title)).toEqual(["Sources", "Processing", "Sinks"]);
    expect(groups.flatMap((g) => g.types)).toHaveLength(builtinInfos().length);
  });

  it("searches title, type name and description, case-insensitively, every word; empty groups disappear", () => {
    expect(paletteGroups(types, "TEXT").flatMap((g) => g.types.map((t) => t.type))).toEqual([
      "upper",
      "ocr",
      "sentiment",
    ]);
    expect(paletteGroups(types, "write-db").map((g) => g.category)).toEqual(["sink"]);
    expect(paletteGroups(types, "avro records").flatMap((g) => g.types.map((t) => t.type))).toEqual(["avro"]);
    expect(paletteGroups(types, "avro images")).toEqual([]);
    expect(paletteGroups(types, "   ")).toHaveLength(6);
  });

  it("matches a query word anywhere in the title, type or description", () => {
    const def = info("http-in", "source", "HTTP in", "Receives webhook requests.");
    expect(matchesQuery(def, "webhook")).toBe(true);
    expect(matchesQuery(def, "http-")).toBe(true);
    expect(matchesQuery(def, "HTTP IN")).toBe(true);
    expect(matchesQuery(def, "cron")).toBe(false);
  });

  it("titles categories from their string and classes unknown ones as other", () => {
    expect(categoryTitle("io")).toBe("IO");
    expect(categoryTitle("image_tools")).toBe("Image tools");
    expect(categoryTitle("--")).toBe("Other");
    expect(categoryClass("sink")).toBe("sink");
    expect(categoryClass("ml")).toBe("other");
    expect(categoryClass(undefined)).toBe("unknown");
  });
});
