// Built-in node types: the processing group (see docs/nodes.md) — filter, switch, split, json, template, dedupe.
import type { NodeTypeDef, ParamSpec } from "../nodeTypes.ts";
import { builtin } from "./define.ts";

const PATH_HELP =
  'A path into the message: value (the whole value), value.a.b, value.items[0].name, value["odd.name"], key, headers.name (the whole rest is the header name), id or ts.';

const OP_CHOICES = ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "matches", "exists", "truthy"];

const OP_HELP =
  'eq / ne: equal (or not) to the value, comparing JSON deeply; gt, gte, lt, lte: greater / less than the value, numbers with numbers and strings with strings (mixed types never match); contains: a string holding the value as a substring, or an array with an element equal to it; matches: a string matching the value as a regular expression (e.g. "^temp-\\\\d+$"); exists: the path finds something; truthy: what the path finds is not false, 0, "", null or missing.';

function pathParam(title: string, description: string): ParamSpec {
  return {
    type: "text",
    title,
    description: `${description} ${PATH_HELP}`,
    default: "value",
    required: true,
    maxLength: 1000,
  };
}

export const PROCESSING_TYPES: readonly NodeTypeDef[] = [
  builtin({
    type: "filter",
    version: "1.0.0",
    title: "Filter",
    category: "processing",
    description:
      "Tests each message against one condition (path, op, value): a message that matches goes out unchanged on out, one that does not on rejected. Key and headers are kept.",
    inputs: ["in"],
    outputs: ["out", "rejected"],
    params: {
      path: pathParam("Path", "What part of the message to test."),
      op: {
        type: "select",
        title: "Comparison",
        description: `How to compare what the path finds with the value. ${OP_HELP}`,
        default: "truthy",
        choices: OP_CHOICES,
        required: true,
      },
      value: {
        type: "json",
        title: "Value",
        description:
          'The JSON value to compare with (a number, "a string", true, null, [1, 2], {"a": 1}); for matches, a regular expression as a string; unused by exists and truthy.',
        default: null,
      },
    },
  }),
  builtin({
    type: "switch",
    version: "1.0.0",
    title: "Switch",
    category: "processing",
    description:
      "Routes each message by up to four rules tested in order against the same path: it goes out unchanged on the port of the first rule that matches (rule 1 → case1, …, rule 4 → case4), or on every matching port when all is set, and on otherwise when no rule matches. Key and headers are kept.",
    inputs: ["in"],
    outputs: ["case1", "case2", "case3", "case4", "otherwise"],
    params: {
      path: pathParam("Path", "What part of the message the rules test."),
      rules: {
        type: "json",
        title: "Rules",
        description: `An array of up to 4 rules, each {"op": …, "value": …}, e.g. [{"op": "lt", "value": 0}, {"op": "eq", "value": 0}, {"op": "gt", "value": 0}]. Rule 1 sends to case1, rule 2 to case2, and so on. Ops: ${OP_HELP}`,
        default: [],
      },
      all: {
        type: "boolean",
        title: "Send to every match",
        description:
          "Off: a message goes to the first rule that matches only. On: it goes to every rule that matches (one copy per port).",
        default: false,
      },
    },
  }),
  builtin({
    type: "split",
    version: "1.0.0",
    title: "Split",
    category: "processing",
    description:
      "Emits one message per part of the value at path on out: each element of an array, each { key, value } entry of an object, or each piece of a string cut at separator. Every part keeps the input's key and headers and adds the headers split.index (0, 1, …) and split.count. An empty array, object or string emits nothing.",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      path: pathParam("Path", "What part of the message to split."),
      separator: {
        type: "text",
        title: "Separator",
        description:
          'For a string: the text to cut it at (e.g. "," or a line break "\\n"). Leave empty to split only arrays and objects; a string then counts as an error.',
        default: "",
        maxLength: 1000,
      },
      maxParts: {
        type: "integer",
        title: "Most parts",
        description:
          "The most parts one message may split into; a message with more is an error and nothing of it is emitted.",
        default: 10_000,
        min: 1,
        max: 100_000,
      },
    },
  }),
  builtin({
    type: "json",
    version: "1.0.0",
    title: "JSON",
    category: "processing",
    description:
      "Converts each message's value between JSON text and data and emits the result on out (key and headers kept): parse turns a string into the value it encodes, stringify turns any value into its JSON text, auto parses strings and stringifies everything else. Invalid JSON is an error naming the position.",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      mode: {
        type: "select",
        title: "Mode",
        description:
          "auto: a string is parsed, any other value is stringified; parse: the value must be a string of JSON; stringify: any value becomes its JSON text (a string value becomes a quoted string).",
        default: "auto",
        choices: ["auto", "parse", "stringify"],
        required: true,
      },
      indent: {
        type: "integer",
        title: "Indent",
        description: "When stringifying: spaces to indent nested values by; 0 writes everything on one line.",
        default: 0,
        min: 0,
        max: 8,
      },
    },
  }),
  builtin({
    type: "template",
    version: "1.0.0",
    title: "Template",
    category: "processing",
    description:
      "Renders a text template for each message and emits it on out (key and headers kept): {{path}} placeholders are replaced by what the path finds in the message (strings as they are, other values as JSON). The result is text, or the JSON value it spells when output is json. At most 256 KiB.",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      template: {
        type: "code",
        language: "handlebars",
        title: "Template",
        description:
          'The text to render, e.g. "{{value.name}} is {{value.temperature}} °C (sensor {{key}})". A placeholder holds a path: {{value}}, {{value.items[0]}}, {{key}}, {{headers.name}}, {{id}}, {{ts}}. {{json path}} always writes JSON, so a string comes out quoted (for building JSON output). Write \\{{ for a literal {{.',
        default: "{{value}}",
        maxLength: 65_536,
      },
      output: {
        type: "select",
        title: "Output",
        description:
          'text: emit the rendered text as a string; json: parse the rendered text as JSON and emit that value (e.g. for the template {"name": "{{value.name}}"}; invalid JSON is an error).',
        default: "text",
        choices: ["text", "json"],
        required: true,
      },
      strict: {
        type: "boolean",
        title: "Strict",
        description:
          "Off: a placeholder whose path finds nothing renders as empty text. On: that is an error naming the path.",
        default: false,
      },
    },
  }),
  builtin({
    type: "dedupe",
    version: "1.0.0",
    title: "Dedupe",
    category: "processing",
    description:
      "Drops messages already seen recently and passes the others on unchanged on out (key and headers kept). Messages are the same when their key, their value (compared as JSON) or the part at path is the same. It remembers the last window distinct ones, each for ttl after it first passed; memory only, so a restarted process starts afresh.",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      by: {
        type: "select",
        title: "Same when",
        description:
          "key: the messages' keys are equal (a message without a key is an error); value: their whole values are equal; path: what path finds in them is equal (a message where it finds nothing is an error).",
        default: "key",
        choices: ["key", "value", "path"],
        required: true,
      },
      path: pathParam("Path", "With Same when = path: what part of the message identifies it."),
      window: {
        type: "integer",
        title: "Remember",
        description: "How many distinct messages to remember; past it the oldest is forgotten (and would pass again).",
        default: 10_000,
        min: 1,
        max: 1_000_000,
      },
      ttl: {
        type: "duration",
        title: "Forget after",
        description:
          'How long after it passed a message is remembered, e.g. "30s", "10m", "1h"; "0ms" remembers until the window is full.',
        default: "10m",
        min: 0,
        max: 30 * 86_400_000,
      },
    },
  }),
];
