// Message paths for the processing nodes: "value.items[0].name", "key", "headers.x", "id", "ts" — parsed once
// at start() (a bad path crashes the process with a clear message) and resolved against each message.
import type { JsonValue } from "../../../shared/graph.ts";
import type { Message } from "../../../shared/protocol.ts";

/** The parts of a message a path may start with. */
export const PATH_ROOTS = ["value", "key", "headers", "id", "ts"] as const;
export type PathRoot = (typeof PATH_ROOTS)[number];

/** A parsed path: its root and the fields and indexes after it. */
export interface MessagePath {
  /** The text as written (trimmed), for error messages. */
  readonly text: string;
  readonly root: PathRoot;
  /** Object fields (strings) and array indexes (numbers) after the root. */
  readonly segments: readonly (string | number)[];
}

/** A path that cannot be parsed; the message says why and names the path. */
export class PathError extends Error {
  override readonly name = "PathError";
}

const MAX_PATH_CHARS = 1000;
const ROOT_LIST = PATH_ROOTS.join(", ");

/**
 * Parses a path. Fields follow a dot (`value.a.b`) or sit in quotes in brackets (`value["a.b"]`); indexes
 * sit in brackets (`value.items[0]`). After `headers.` the whole rest is the header name (header names may
 * hold dots: `headers.split.index`). key, id and ts are strings or numbers and have nothing after them.
 * Throws a PathError naming the path and what is wrong.
 */
export function parsePath(input: string): MessagePath {
  const text = input.trim();
  const fail = (problem: string): never => {
    throw new PathError(`path ${JSON.stringify(text.slice(0, 80))} ${problem}`);
  };
  if (text === "") fail(`is empty; start it with one of ${ROOT_LIST}`);
  if (text.length > MAX_PATH_CHARS) fail(`is longer than ${MAX_PATH_CHARS} characters`);
  const rootMatch = /^[^.[\]]*/.exec(text)?.[0] ?? "";
  if (!(PATH_ROOTS as readonly string[]).includes(rootMatch)) {
    fail(`must start with one of ${ROOT_LIST} (e.g. "value.temperature", "key", "headers.kind")`);
  }
  const root = rootMatch as PathRoot;
  let rest = text.slice(root.length);
  if (rest !== "" && root !== "value" && root !== "headers") {
    fail(`goes past ${root}, which has no fields`);
  }
  if (root === "headers" && rest !== "") return { text, root, segments: [headerName(rest, fail)] };
  const segments: (string | number)[] = [];
  while (rest !== "") {
    if (rest.startsWith(".")) {
      const name = /^\.([^.[\]]*)/.exec(rest)?.[1] ?? "";
      if (name === "") fail("has an empty field name after a '.'");
      segments.push(name);
      rest = rest.slice(1 + name.length);
    } else if (rest.startsWith("[")) {
      const [segment, length] = bracket(rest, fail);
      segments.push(segment);
      rest = rest.slice(length);
    } else {
      fail(`has ${JSON.stringify(rest[0])} where a '.' or '[' should be`);
    }
  }
  return { text, root, segments };
}

/** Why `text` is not a valid path, or undefined. */
export function pathProblem(text: string): string | undefined {
  try {
    parsePath(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** What the path points at in `message`, or undefined when nothing is there. Own properties only. */
export function resolvePath(message: Message, path: MessagePath): JsonValue | undefined {
  switch (path.root) {
    case "key":
      return message.key;
    case "id":
      return message.id;
    case "ts":
      return message.ts;
    case "headers": {
      const name = path.segments[0];
      if (name === undefined) return message.headers;
      const headers = message.headers;
      return headers && Object.hasOwn(headers, name) ? headers[name] : undefined;
    }
    case "value": {
      let current: JsonValue | undefined = message.value;
      for (const segment of path.segments) {
        current = step(current, segment);
        if (current === undefined) return undefined;
      }
      return current;
    }
    default: {
      const never: never = path.root;
      throw new PathError(`unknown path root ${String(never)}`);
    }
  }
}

function step(current: JsonValue | undefined, segment: string | number): JsonValue | undefined {
  if (Array.isArray(current)) {
    const index = typeof segment === "number" ? segment : /^\d+$/.test(segment) ? Number(segment) : -1;
    return index >= 0 && index < current.length ? current[index] : undefined;
  }
  if (typeof current === "object" && current !== null) {
    const name = String(segment);
    return Object.hasOwn(current, name) ? current[name] : undefined;
  }
  return undefined;
}

function headerName(rest: string, fail: (problem: string) => never): string {
  if (rest.startsWith(".")) {
    const name = rest.slice(1);
    if (name === "") fail("has an empty header name after 'headers.'");
    return name;
  }
  const [segment, length] = bracket(rest, fail);
  if (typeof segment !== "string") fail('needs a quoted header name in brackets (headers["x"])');
  if (length !== rest.length) fail("goes past a header, which is a string and has no fields");
  return segment as string;
}

/** A `[0]` or `["name"]` at the start of `rest`: the segment and how many characters it took. */
function bracket(rest: string, fail: (problem: string) => never): [string | number, number] {
  const index = /^\[(\d+)\]/.exec(rest);
  if (index) {
    const n = Number(index[1]);
    if (!Number.isSafeInteger(n)) fail(`has an index too large: ${index[1]}`);
    return [n, index[0].length];
  }
  const quote = rest[1];
  if (quote !== '"' && quote !== "'") {
    return fail('has a bracket that holds neither an index ([0]) nor a quoted name (["a.b"])');
  }
  let name = "";
  for (let i = 2; i < rest.length; i++) {
    const char = rest[i] as string;
    if (char === "\\" && i + 1 < rest.length) {
      name += rest[i + 1];
      i += 1;
    } else if (char === quote) {
      if (rest[i + 1] !== "]") fail(`needs a ']' after the quoted name ${JSON.stringify(name)}`);
      return [name, i + 2];
    } else {
      name += char;
    }
  }
  return fail("has an unclosed quoted name in brackets");
}
