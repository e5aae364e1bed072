// Offers the copy of a graph kept from this device when the hub deleted or replaced it (offline.ts rescueCopy):
// a download the graph list can import, and a way to let it go.
import { Show } from "solid-js";
import { dismissRescued, downloadRescued, rescuedCopy } from "../offline.ts";

export function RescuedCopy(props: { graphId: string }) {
  return (
    <Show when={rescuedCopy(props.graphId)}>
      <span class="rescued-copy" data-rescued-copy={props.graphId}>
        <button
          type="button"
          class="link"
          data-action="download-offline-copy"
          onClick={() => downloadRescued(props.graphId)}
        >
          Download my offline copy
        </button>
        <button
          type="button"
          class="icon-button"
          aria-label="Discard the offline copy"
          onClick={() => dismissRescued(props.graphId)}
        >
          ×
        </button>
      </span>
    </Show>
  );
}
