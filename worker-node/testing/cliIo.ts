// A fake CliIo for runCli tests: records stdout and stderr, reads files from a map, and has a fixed clock.
import type { CliIo } from "../main.ts";

export interface FakeCliIo extends CliIo {
  out: { stdout: string; stderr: string };
}

export function fakeCliIo(
  options: {
    env?: Record<string, string | undefined>;
    files?: Record<string, string>;
    cwd?: string;
    now?: number;
  } = {},
): FakeCliIo {
  const out = { stdout: "", stderr: "" };
  const files = options.files ?? {};
  const now = options.now ?? Date.UTC(2026, 11, 1, 10, 0, 0);
  return {
    out,
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
    env: options.env ?? {},
    hostname: "h",
    cwd: options.cwd ?? "/work/project",
    readFile: (path) => files[path],
    now: () => now,
  };
}
