// The `npx wrangler dev …` command line that starts a hub on loopback, shared by npm start and the benchmarks.

/**
 * @param {{ port: number, persistTo: string, inspectorPort?: number, vars?: Record<string, string> }} options
 * @returns {string[]} arguments for `npx`
 */
export function wranglerDevArgs({ port, persistTo, inspectorPort, vars = {} }) {
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo];
  if (inspectorPort !== undefined) args.push("--inspector-port", String(inspectorPort));
  args.push("--show-interactive-dev-session=false");
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  return args;
}
