// Request bodies read as a stream and cut off at a limit (counted in bytes), never read whole first.
import { ApiError } from "../shared/errors.ts";

/** The body as UTF-8 text; 413 past `limit` bytes (declared or streamed), 400 `code` when it is not UTF-8. */
export async function readBodyText(request: Request, limit: number, code = "invalid_body"): Promise<string> {
  const tooLarge = () => new ApiError(413, "body_too_large", `request body exceeds ${limit} bytes`);
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > limit) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > limit) {
        await reader.cancel("body too large").catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw new ApiError(400, code, "request body is not UTF-8 text");
  }
}
