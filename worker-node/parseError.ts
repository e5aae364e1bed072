// Rewrites node:util parseArgs errors so they name the flag the way the help texts do.

export function describeParseError(error: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? "";
  const flag =
    quoted
      .split(/[ ,]+/)
      .filter((part) => part.startsWith("-"))
      .pop() ?? quoted;
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${flag}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${JSON.stringify(quoted)} (flags take the form --name value)`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(error.message)) return `${flag} takes no value`;
      return `${flag} needs a value`;
    default:
      return error.message;
  }
}
