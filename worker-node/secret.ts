// Finds the hub's signing secret for `weft token create`: --secret-file, then $WEFT_AUTH_SECRET, then ./.dev.vars.
// Pure: the file reader is injected, so tests need no filesystem.
import { join, resolve } from "node:path";
import { secretProblem } from "../shared/tokens.ts";

export interface SecretSources {
  /** --secret-file, as given (relative to cwd). */
  secretFile: string | undefined;
  env: Record<string, string | undefined>;
  cwd: string;
  /** The file's text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
}

export type SecretLookup = { ok: true; secret: string; source: string } | { ok: false; message: string };

const VARIABLE = "WEFT_AUTH_SECRET";
const FIX = `set ${VARIABLE} to the hub's secret, or pass --secret-file .dev.vars`;

export function findSecret(sources: SecretSources): SecretLookup {
  const found = lookup(sources);
  if (!found.ok) return found;
  const problem = secretProblem(found.secret);
  if (problem) return { ok: false, message: `the secret from ${found.source} will not do (${problem}); ${FIX}` };
  return found;
}

function lookup({ secretFile, env, cwd, readFile }: SecretSources): SecretLookup {
  if (secretFile !== undefined) {
    const text = readFile(resolve(cwd, secretFile));
    const source = `--secret-file ${secretFile}`;
    if (text === undefined) return { ok: false, message: `cannot read ${source}` };
    const value = dotenvValue(text, VARIABLE);
    if (value !== undefined) return { ok: true, secret: value, source: `${VARIABLE} in ${secretFile}` };
    // A raw base64 secret may end in `=` padding and so look like `KEY=`: only a line with a value is a variable.
    if (dotenvLines(text).some((line) => !/^=*$/.test(line.value))) {
      return { ok: false, message: `${source} sets variables but no ${VARIABLE}; add a line ${VARIABLE}=<secret>` };
    }
    return { ok: true, secret: text.trim(), source };
  }
  const fromEnv = env[VARIABLE];
  if (fromEnv) return { ok: true, secret: fromEnv, source: `$${VARIABLE}` };
  const devVars = join(cwd, ".dev.vars");
  const text = readFile(devVars);
  const value = text === undefined ? undefined : dotenvValue(text, VARIABLE);
  if (value !== undefined) return { ok: true, secret: value, source: `${VARIABLE} in ${devVars}` };
  const fileState = text === undefined ? "not found" : `no ${VARIABLE} line`;
  return {
    ok: false,
    message: `no signing secret: looked for --secret-file (not given), $${VARIABLE} (not set) and ${devVars} (${fileState}); ${FIX}`,
  };
}

/** `KEY=value` lines of a dotenv file (wrangler's .dev.vars), skipping comments; values lose surrounding quotes. */
function dotenvLines(text: string): Array<{ key: string; value: string }> {
  const lines: Array<{ key: string; value: string }> = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (!match) continue;
    const raw = (match[2] as string).trim();
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    lines.push({ key: match[1] as string, value: quoted ? (quoted[2] as string) : raw });
  }
  return lines;
}

function dotenvValue(text: string, key: string): string | undefined {
  return dotenvLines(text).findLast((line) => line.key === key)?.value;
}
