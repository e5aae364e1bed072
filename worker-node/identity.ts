// Default worker id and name: `<hostname>-<6 random chars>`, valid per shared/limits.ts ID_PATTERN.
import { randomBytes } from "node:crypto";
import { LIMITS } from "../shared/limits.ts";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const SUFFIX_LENGTH = 6;

/** Turns a host name into id characters: anything outside [A-Za-z0-9_-] becomes "-". */
export function sanitizeHostname(hostname: string): string {
  const cleaned = hostname
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, LIMITS.maxIdLength - SUFFIX_LENGTH - 1)
    .replace(/-+$/, "");
  return cleaned || "worker";
}

export function randomSuffix(length = SUFFIX_LENGTH): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

/** A fresh id for this run of the worker; pass --id to keep one across restarts. */
export function defaultWorkerId(hostname: string, suffix: string = randomSuffix()): string {
  return `${sanitizeHostname(hostname)}-${suffix}`;
}

export function defaultWorkerName(hostname: string): string {
  return hostname.slice(0, LIMITS.maxNameLength) || "worker";
}
