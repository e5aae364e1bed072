// The exec node's params as its program is started with them: the JSON params (args, env) checked for
// their shape, which a json param's schema cannot say, and the working directory checked to exist.
import { stat } from "node:fs/promises";
import type { ParamValue } from "../../../shared/nodeTypes.ts";

export interface ExecParams {
  command: string;
  args: string[];
  cwd: string | undefined;
  env: Record<string, string>;
  maxInFlight: number;
  timeoutMs: number;
}

/** The params of a running exec process; throws, naming the param, when args or env have the wrong shape. */
export function execParams(params: Readonly<Record<string, ParamValue>>): ExecParams {
  const { command, args, cwd, env, maxInFlight, timeout } = params;
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
    throw new Error(`exec: param "args" must be a JSON array of strings, got ${show(args)}`);
  }
  if (typeof env !== "object" || env === null || Array.isArray(env)) {
    throw new Error(`exec: param "env" must be a JSON object of string values, got ${show(env)}`);
  }
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== "string") {
      throw new Error(`exec: param "env": variable ${JSON.stringify(name)} must be a string, got ${show(value)}`);
    }
    if (name === "" || name.includes("=") || name.includes("\0")) {
      throw new Error(`exec: param "env": ${JSON.stringify(name)} is not a variable name`);
    }
  }
  return {
    command: String(command),
    args: args as string[],
    cwd: cwd === "" ? undefined : String(cwd),
    env: env as Record<string, string>,
    maxInFlight: Number(maxInFlight),
    timeoutMs: Number(timeout),
  };
}

/** Throws, naming the param, when the working directory is not a directory on this worker. */
export async function checkCwd(cwd: string | undefined): Promise<void> {
  if (cwd === undefined) return;
  let isDirectory = false;
  try {
    isDirectory = (await stat(cwd)).isDirectory();
  } catch {
    throw new Error(`exec: param "cwd": the directory "${cwd}" does not exist on this worker`);
  }
  if (!isDirectory) throw new Error(`exec: param "cwd": "${cwd}" is not a directory`);
}

function show(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? typeof value : json.length > 60 ? `${json.slice(0, 59)}…` : json;
}
