// Reads a source map (v3) so that the editor benchmark can name the original file and line of a function in
// the minified bundle a CPU profile points at. Only lookups: generated line and column → source position.

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** The base64 VLQ numbers of one mapping segment. */
function decodeSegment(segment) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = DIGIT.get(c) ?? 0;
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/**
 * Parses `json` (a source map) into a lookup of 0-based generated line and column → { source, line (1-based),
 * name } of the nearest mapping at or before that column, or undefined.
 */
export function parseSourceMap(json) {
  const map = JSON.parse(json);
  const lines = [];
  let source = 0;
  let sourceLine = 0;
  let name = 0;
  for (const line of String(map.mappings ?? "").split(";")) {
    const segments = [];
    let column = 0;
    for (const text of line === "" ? [] : line.split(",")) {
      const v = decodeSegment(text);
      column += v[0] ?? 0;
      if (v.length < 4) continue;
      source += v[1];
      sourceLine += v[2];
      if (v.length >= 5) name += v[4];
      segments.push({ column, source, sourceLine, name: v.length >= 5 ? name : -1 });
    }
    lines.push(segments);
  }
  return (line, column) => {
    const segments = lines[line];
    if (!segments || segments.length === 0) return undefined;
    let lo = 0;
    let hi = segments.length - 1;
    if (segments[0].column > column) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid].column <= column) lo = mid;
      else hi = mid - 1;
    }
    const s = segments[lo];
    return { source: map.sources[s.source], line: s.sourceLine + 1, name: s.name >= 0 ? map.names[s.name] : undefined };
  };
}
