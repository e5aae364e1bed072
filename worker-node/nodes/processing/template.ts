// The `template` node: renders a text with {{path}} placeholders filled from each message, and emits it as
// text or as the JSON value it spells; the template is parsed once, at start().
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { Message } from "../../../shared/protocol.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { emitOrThrow, keepMeta } from "./emit.ts";
import { parseJsonText } from "./jsonText.ts";
import { type MessagePath, parsePath, resolvePath } from "./path.ts";

/** Largest rendered text, in bytes of UTF-8 (a message value is at most 256 KiB of JSON anyway). */
export const MAX_RENDERED_BYTES = 256 * 1024;

/** A placeholder: its path, and whether it renders as JSON always (`{{json path}}`: strings quoted). */
interface Placeholder {
  path: MessagePath;
  json: boolean;
}
export type TemplatePart = string | Placeholder;

/**
 * Parses a template: literal text, `{{path}}` and `{{json path}}` placeholders; `\{{` is a literal `{{`.
 * Throws naming the position of an unclosed or bad placeholder.
 */
export function compileTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  let i = 0;
  while (i < template.length) {
    if (template.startsWith("\\{{", i)) {
      literal += "{{";
      i += 3;
    } else if (template.startsWith("{{", i)) {
      const end = template.indexOf("}}", i + 2);
      if (end < 0) throw new Error(`has a "{{" at position ${i} that is never closed with "}}"`);
      const inner = template.slice(i + 2, end).trim();
      const json = /^json\s/.test(inner);
      let path: MessagePath;
      try {
        path = parsePath(json ? inner.slice(4) : inner);
      } catch (error) {
        throw new Error(`placeholder {{${inner.slice(0, 80)}}} at position ${i}: ${(error as Error).message}`);
      }
      if (literal !== "") parts.push(literal);
      parts.push({ path, json });
      literal = "";
      i = end + 2;
    } else {
      literal += template[i];
      i += 1;
    }
  }
  if (literal !== "") parts.push(literal);
  return parts;
}

/**
 * Renders the parts against `message`: strings as they are (`{{json …}}`: quoted), other values as JSON, a
 * path that finds nothing as "" (strict: an error naming it). Throws past MAX_RENDERED_BYTES.
 */
export function renderTemplate(parts: readonly TemplatePart[], message: Message, strict: boolean): string {
  let text = "";
  for (const part of parts) {
    if (typeof part === "string") {
      text += part;
    } else {
      const found = resolvePath(message, part.path);
      if (found === undefined && strict) {
        throw new Error(`template: {{${part.path.text}}} found nothing in message ${message.id} (strict is on)`);
      }
      if (found !== undefined) text += typeof found === "string" && !part.json ? found : JSON.stringify(found);
    }
    // Characters never outnumber UTF-8 bytes, so this stops a runaway render early.
    if (text.length > MAX_RENDERED_BYTES) break;
  }
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_RENDERED_BYTES) {
    throw new Error(`template: the rendered text is over ${MAX_RENDERED_BYTES} bytes (at most 256 KiB)`);
  }
  return text;
}

export const templateNode: NodeImpl = {
  def: builtinType("template"),
  create() {
    let ctx: NodeContext | undefined;
    let parts: TemplatePart[] = [];
    let strict = false;
    let asJson = false;
    return {
      start(context) {
        try {
          parts = compileTemplate(String(context.params.template));
        } catch (error) {
          throw new Error(`template: param "template" ${(error as Error).message}`);
        }
        strict = context.params.strict === true;
        asJson = context.params.output === "json";
        ctx = context;
      },
      onMessage(message) {
        if (!ctx) throw new Error("template: a message arrived before start()");
        const text = renderTemplate(parts, message, strict);
        let value: JsonValue = text;
        if (asJson) {
          const parsed = parseJsonText(text);
          if (!parsed.ok)
            throw new Error(`template: output is json but the rendered text is not valid JSON: ${parsed.error}`);
          value = parsed.value;
        }
        emitOrThrow(ctx, "template", "out", value, keepMeta(message));
      },
    };
  },
};
