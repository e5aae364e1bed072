// Runtime details of one node's process in the side panel: state, worker, counters, last error, recent messages.
// Its hooks are named data-process-* so they never double the canvas hooks (data-state, data-in, ...).
import { For, Show } from "solid-js";
import { useEditor } from "../editorContext.ts";
import { StateBadge } from "./StateBadge.tsx";

const RECENT_SHOWN = 8;

export function ProcessDetails(props: { nodeId: string; type: string }) {
  const editor = useEditor();
  const process = () => editor.runtime.state.processes[props.nodeId];
  const disabled = () => editor.graph.state.nodes[props.nodeId]?.disabled === true;
  const recent = () => (process()?.recent ?? []).slice(-RECENT_SHOWN).reverse();
  return (
    <section class="process" aria-label="Runtime" data-process-for={props.nodeId}>
      <h3 class="section-title">Runtime</h3>
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <StateBadge
            process={process()}
            received={editor.runtime.state.received}
            disabled={disabled()}
            hookName="data-process-state"
          />
        </dd>
        <Show when={process()?.reason}>
          <dt>Reason</dt>
          <dd>{process()?.reason}</dd>
        </Show>
        <dt>Worker</dt>
        <dd class="mono">{process()?.workerId ?? "—"}</dd>
        <dt>In / out</dt>
        <dd class="mono">
          {process()?.in ?? 0} / {process()?.out ?? 0}
        </dd>
        <dt>Errors</dt>
        <dd class="mono">{process()?.errors ?? 0}</dd>
      </dl>
      <Show when={process()?.lastError}>
        {(error) => (
          <pre class="last-error" data-last-error>
            {error()}
          </pre>
        )}
      </Show>
      <Show when={props.type === "log"}>
        <h3 class="section-title">Recent messages</h3>
        <Show when={recent().length > 0} fallback={<p class="muted small">No messages yet.</p>}>
          <ol class="recent" aria-label="Recent messages, newest first" data-recent>
            <For each={recent()}>{(value) => <li class="mono">{JSON.stringify(value)}</li>}</For>
          </ol>
        </Show>
      </Show>
    </section>
  );
}
