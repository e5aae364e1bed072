// The workers serving this graph (under the palette): labels, capacity, load, processes, last heartbeat, version,
// and what went wrong on a worker that is no one process's fault (plugins that failed to load, refused types).
import { createSignal, For, onCleanup, Show } from "solid-js";
import { useEditor } from "../editorContext.ts";

export function WorkersPanel() {
  const editor = useEditor();
  // Ticks once a second so "heartbeat 3 s ago" stays true between status pushes.
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(timer));
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
              <li
                class="worker"
                classList={{ draining: worker.draining }}
                data-worker-id={worker.id}
                data-draining={worker.draining ? "true" : undefined}
                title={`${worker.id} · v${worker.version}`}
              >
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
                <div class="worker-meta muted">
                  <span data-worker-processes={worker.processes}>
                    {worker.processes} {worker.processes === 1 ? "process" : "processes"} here
                  </span>
                  <span title={new Date(worker.lastHeartbeat).toLocaleString()}>
                    heartbeat {secondsAgo(worker.lastHeartbeat, now())}
                  </span>
                  <span class="mono">v{worker.version}</span>
                </div>
                <Show when={worker.labels.length > 0}>
                  <div class="labels">
                    <For each={worker.labels}>{(label) => <span class="label">{label}</span>}</For>
                  </div>
                </Show>
                <Show when={(worker.problems ?? []).length > 0}>
                  <ul
                    class="worker-problems"
                    data-worker-problems={worker.id}
                    aria-label={`Problems on worker ${worker.name || worker.id}`}
                  >
                    <For each={worker.problems}>
                      {(problem) => (
                        <li class="worker-problem" data-worker-problem>
                          <span class="warning-mark" aria-hidden="true">
                            ⚠
                          </span>{" "}
                          {problem}
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}

function secondsAgo(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  return seconds < 2 ? "just now" : `${seconds} s ago`;
}
