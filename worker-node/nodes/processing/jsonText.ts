// Parses JSON text for the json and template nodes; on invalid text the error names the position (offset,
// line and column) and what was found there, whatever wording the JavaScript engine uses.
import type { JsonValue } from "../../../shared/graph.ts";

export type JsonParse = { ok: true; value: JsonValue } | { ok: false; error: string };

/** Parses `text`; an invalid text gives an error such as `unexpected "}" where a value should be at position 5 (line 1, column 6) near "{"a":}"`. */
export function parseJsonText(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch (error) {
    const found = findJsonError(text);
    if (!found) return { ok: false, error: (error as Error).message };
    const { line, column } = lineAndColumn(text, found.position);
    const near = text.slice(Math.max(0, found.position - 20), found.position + 20);
    return {
      ok: false,
      error: `${found.problem} at position ${found.position} (line ${line}, column ${column}) near ${JSON.stringify(near)}`,
    };
  }
}

type Expect = "value" | "valueOrClose" | "key" | "keyOrClose" | "colon" | "after";

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/**
 * Where the first syntax error of `text` is and what it is, or undefined when the text is valid JSON.
 * Iterative (no recursion), so deeply nested text cannot overflow the stack.
 */
export function findJsonError(text: string): { position: number; problem: string } | undefined {
  let i = 0;
  const stack: Array<"{" | "["> = [];
  let expect = "value" as Expect;
  const at = (problem: string) => ({ position: i, problem });
  const unexpected = (what: string) => at(`unexpected ${JSON.stringify(text[i])} where ${what} should be`);
  for (;;) {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i += 1;
    const c = text[i];
    if (c === undefined) {
      return expect === "after" && stack.length === 0 ? undefined : at("unexpected end of the text");
    }
    if (expect === "after") {
      const top = stack.at(-1);
      if (top === undefined) return at(`unexpected ${JSON.stringify(c)} after the end of the JSON value`);
      const close = top === "{" ? "}" : "]";
      if (c === ",") expect = top === "{" ? "key" : "value";
      else if (c === close) stack.pop();
      else return unexpected(`',' or '${close}'`);
      i += 1;
    } else if (expect === "colon") {
      if (c !== ":") return unexpected("':'");
      i += 1;
      expect = "value";
    } else if (expect === "key" || expect === "keyOrClose") {
      if (expect === "keyOrClose" && c === "}") {
        stack.pop();
        i += 1;
        expect = "after";
      } else if (c === '"') {
        const problem = skipString();
        if (problem) return at(problem);
        expect = "colon";
      } else {
        return unexpected("a quoted property name");
      }
    } else if (expect === "valueOrClose" && c === "]") {
      stack.pop();
      i += 1;
      expect = "after";
    } else {
      const problem = skipValue(c);
      if (problem) return at(problem);
    }
  }

  // The value starting at text[i] (c): an opening bracket pushes; a scalar is skipped whole.
  function skipValue(c: string): string | undefined {
    if (c === "{" || c === "[") {
      stack.push(c);
      i += 1;
      expect = c === "{" ? "keyOrClose" : "valueOrClose";
      return undefined;
    }
    expect = "after";
    if (c === '"') return skipString();
    for (const literal of ["true", "false", "null"]) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return undefined;
      }
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (number) {
      i += number[0].length;
      return undefined;
    }
    return `unexpected ${JSON.stringify(c)} where a value should be`;
  }

  // The string opening at text[i]: leaves i after its closing quote, or at the bad character.
  function skipString(): string | undefined {
    i += 1;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i += 1;
        return undefined;
      }
      if (code < 0x20) return "a control character (such as a line break) inside a string; escape it";
      if (code === 0x5c) {
        const escaped = text[i + 1];
        if (escaped === undefined) break;
        if (escaped === "u") {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(text)) return "a \\u escape without four hex digits";
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(escaped)) return `a bad escape \\${escaped} inside a string`;
        i += 2;
        continue;
      }
      i += 1;
    }
    return "a string that is never closed";
  }
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const lastBreak = before.lastIndexOf("\n");
  return { line: before.split("\n").length, column: position - lastBreak };
}
