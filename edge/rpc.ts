// Results of the rooms' RPC methods: errors cross the Durable Object boundary as data (a thrown ApiError
// would arrive as a bare message), and every method turns an unexpected exception into a 500 result.
import { ApiError } from "../shared/errors.ts";

export type RoomResult<T> = { ok: true; value: T } | { ok: false; status: number; code: string; message: string };

export function success<T>(value: T): RoomResult<T> {
  return { ok: true, value };
}

export function failure<T = never>(status: number, code: string, message: string): RoomResult<T> {
  return { ok: false, status, code, message };
}

/** Runs an RPC body; an ApiError becomes its result, anything else a logged 500 naming the graph. */
export function rpc<T>(graphId: string, method: string, body: () => RoomResult<T>): RoomResult<T> {
  try {
    return body();
  } catch (error) {
    if (error instanceof ApiError) return failure(error.status, error.code, error.message);
    console.error(JSON.stringify({ event: "rpc_failed", graphId, method, error: String(error) }));
    return failure(500, "room_error", `the room of graph ${graphId} failed in ${method}; see the hub log`);
  }
}

/** The value of a room's result, or the ApiError it carries. */
export function unwrap<T>(result: RoomResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.status, result.code, result.message);
}
