// Shows the notices raised through notices.ts (errors, refused edits) in a corner stack.
import { For } from "solid-js";
import { dismiss, notices } from "../notices.ts";

export function Notices() {
  return (
    <div class="notices" role="status" aria-live="polite">
      <For each={notices()}>
        {(notice) => (
          <div
            class={`notice notice-${notice.kind}`}
            data-notice={notice.kind}
            role={notice.kind === "error" ? "alert" : undefined}
          >
            <span>{notice.text}</span>
            <button type="button" class="icon-button" aria-label="Dismiss" onClick={() => dismiss(notice.id)}>
              ×
            </button>
          </div>
        )}
      </For>
    </div>
  );
}
