// The one error type of the HTTP API, on both sides: `{ "error": { "code", "message" } }` with an HTTP status.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}
