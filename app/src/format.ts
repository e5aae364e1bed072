// Short human-readable numbers for the canvas and the side panel: counts, queue depths, bytes, rates, JSON.

/** A node counter: exact below 10,000, then 12.3k, 123k, 1.2M. */
export function formatCount(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** A label that must stay narrow (an edge's queue depth): 999, 1.2k, 12k, 1.2M, 12M. */
export function compactCount(n: number): string {
  if (!Number.isFinite(n)) return "?";
  const value = Math.round(Math.abs(n));
  const sign = n < 0 ? "-" : "";
  if (value < 1000) return `${sign}${value}`;
  const units = ["k", "M", "G", "T"] as const;
  for (const [i, unit] of units.entries()) {
    const scaled = value / 1000 ** (i + 1);
    // One decimal below 10 (1.2k), none above (12k); 999,950 is 1M, not 1000k.
    const text = scaled < 9.95 ? trimZero(scaled.toFixed(1)) : String(Math.round(scaled));
    if (Number(text) < 1000 || i === units.length - 1) return `${sign}${text}${unit}`;
  }
  return `${sign}${value}`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** Bytes in binary units: 512 B, 1.5 KiB, 64 MiB, 1 TiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 || value >= 100 ? String(Math.round(value)) : trimZero(value.toFixed(1));
  return `${text} ${BYTE_UNITS[unit]}`;
}

/** Messages per second: 0, 0.5, 12, 1.2k. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return "0";
  if (perSecond < 10) return trimZero(perSecond.toFixed(1));
  return compactCount(perSecond);
}

/** JSON of `value`, cut to `max` characters with an ellipsis; never throws (cycles, BigInt). */
export function jsonPreview(value: unknown, max = 120): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

function trimZero(text: string): string {
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}
