// How Weft messages become gofi messages and back: a request carries the value as JSON bytes; an answer's bytes
// are read as JSON, else as UTF-8 text, else as base64 (the header grpc.encoding says which).
import type { JsonValue } from "../../../shared/graph.ts";
import type { Message } from "../../../shared/protocol.ts";
import type { GofiMessage } from "./gofiProto.ts";

/** The header naming how an answer's bytes were decoded. */
export const ENCODING_HEADER = "grpc.encoding";

export type AnswerEncoding = "json" | "text" | "base64";

export interface DecodedAnswer {
  /** The answer's key; undefined when the service left it empty. */
  key: string | undefined;
  value: JsonValue;
  encoding: AnswerEncoding;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The gofi message for one Weft message: key = its key (or its id), value = the bytes of its JSON. */
export function encodeRequest(message: Pick<Message, "id" | "key" | "value">): GofiMessage {
  return {
    key: message.key ?? message.id,
    value: Buffer.from(JSON.stringify(message.value ?? null), "utf8"),
  };
}

/** An answer's value: JSON if its bytes parse as JSON, else the UTF-8 text, else base64 if they are not UTF-8. */
export function decodeAnswer(answer: GofiMessage): DecodedAnswer {
  const key = answer.key === "" ? undefined : answer.key;
  let text: string;
  try {
    text = utf8.decode(answer.value);
  } catch {
    return { key, value: Buffer.from(answer.value).toString("base64"), encoding: "base64" };
  }
  try {
    const value = JSON.parse(text) as JsonValue;
    // JSON.parse reads 1e400 as Infinity, which is no JSON value: keep such an answer as the text it was.
    if (!containsNonFinite(value)) return { key, value, encoding: "json" };
  } catch {
    // not JSON: the text itself
  }
  return { key, value: text, encoding: "text" };
}

function containsNonFinite(value: JsonValue): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(containsNonFinite);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsNonFinite);
  return false;
}
