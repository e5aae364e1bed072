// What a room's close code means for this editor's copy of the graph (PROTOCOL.md CLOSE-5, -10, -11, -15, -16 and
// UPDATE-3), and what the user is told when a copy kept on this device has to go. Pure.

/** The room's close codes an editor acts on; the same numbers as CloseCode in shared/protocol.ts (tested). */
export const EDITOR_CLOSE = {
  GraphDeleted: 4005,
  RateLimited: 4010,
  UpdateRefused: 4011,
  SessionExpired: 4015,
  GraphReplaced: 4016,
} as const;

/** The refusal code (UPDATE-3) for items of a retired document generation: a replaced or deleted graph. */
export const STALE_DOCUMENT = "stale_document";

export type CloseVerdict =
  /** CLOSE-5: the graph is gone; every copy of it on this device goes too. */
  | { kind: "deleted" }
  /** CLOSE-16, or CLOSE-11 for stale_document: this document generation is retired; drop every copy, sync afresh. */
  | { kind: "retired" }
  /** CLOSE-11 for anything else: this copy holds an edit the room refused; drop it and sync afresh. */
  | { kind: "refused" }
  /** CLOSE-15: the session ended; the copy stays for when the same user signs in again. */
  | { kind: "expired" }
  /** CLOSE-10: too many messages; the provider reconnects by itself. */
  | { kind: "rate-limited"; reason: string }
  /** Anything else (a lost network, a refused upgrade): the provider reconnects by itself. */
  | { kind: "retry" };

/**
 * `lastRefusal` is the code of the `refused` push (EDITOR-1) the room sent just before it closed, if any; the close
 * reason is read as well, for a room that did not send one.
 */
export function closeVerdict(code: number | undefined, reason: string, lastRefusal: string | undefined): CloseVerdict {
  switch (code) {
    case EDITOR_CLOSE.GraphDeleted:
      return { kind: "deleted" };
    case EDITOR_CLOSE.GraphReplaced:
      return { kind: "retired" };
    case EDITOR_CLOSE.UpdateRefused:
      return lastRefusal === STALE_DOCUMENT || reason.includes("earlier version of the graph")
        ? { kind: "retired" }
        : { kind: "refused" };
    case EDITOR_CLOSE.SessionExpired:
      return { kind: "expired" };
    case EDITOR_CLOSE.RateLimited:
      return { kind: "rate-limited", reason };
    default:
      return { kind: "retry" };
  }
}

const changes = (n: number) => `${n} ${n === 1 ? "change" : "changes"}`;

/** The notice for a copy dropped because the hub deleted or replaced the graph; `unsynced` edits were lost with it. */
export function lostCopyNotice(
  why: "deleted" | "retired",
  unsynced: number,
): { kind: "error" | "info"; text: string; sticky: boolean } {
  if (why === "deleted") {
    return unsynced > 0
      ? {
          kind: "error",
          text: `This graph was deleted on the hub; your ${changes(unsynced)} made offline could not be kept.`,
          sticky: true,
        }
      : { kind: "info", text: "This graph was deleted on the hub.", sticky: false };
  }
  return unsynced > 0
    ? {
        kind: "error",
        text: `This graph was replaced on the hub; your ${changes(unsynced)} made offline could not be kept. The hub's version is shown; "Download my offline copy" saves yours as a file you can import.`,
        sticky: true,
      }
    : { kind: "info", text: "The graph was replaced on the hub (imported); it was reloaded.", sticky: false };
}
