// The workers serving this graph (under the palette), with labels, capacity and load.
import { For, Show } from "solid-js";
import { useEditor } from "../editorContext.ts";

export function WorkersPanel() {
  const editor = useEditor();
  const workers = () =>
    [...editor.runtime.state.workers].sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id));
  return (
    <section class="workers panel" aria-labelledby="workers-heading">
      <h2 id="workers-heading" class="panel-title">
        Workers <span class="muted">{workers().length}</span>
      </h2>
      <Show
        when={workers().length > 0}
        fallback={
          <p class="muted small">
            No worker connected. Run <code>npx weft worker</code> to add one.
          </p>
        }
      >
        <ul class="worker-list">
          <For each={workers()}>
            {(worker) => (
              <li class="worker" data-worker-id={worker.id} title={`${worker.id} · v${worker.version}`}>
                <div class="worker-line">
                  <span class="worker-name">{worker.name || worker.id}</span>
                  <span class="mono small muted">
                    {worker.load}/{worker.capacity}
                  </span>
                </div>
                <meter
                  class="load-bar"
                  aria-label={`Load of ${worker.name || worker.id}`}
                  min={0}
                  max={Math.max(1, worker.capacity)}
                  value={worker.load}
                />
                <Show when={worker.labels.length > 0}>
                  <div class="labels">
                    <For each={worker.labels}>{(label) => <span class="label">{label}</span>}</For>
                  </div>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}
