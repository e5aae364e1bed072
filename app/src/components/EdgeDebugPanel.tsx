// Debugging one selected edge: "Sample messages" peeks at the first queued messages (DELIVERY-9) at most once
// a second while open, and stops when closed or when the edge is no longer selected (this unmounts).
// It sits outside the inspector's fieldset: peeking changes nothing, so viewers may sample too.
import { createEffect, createSignal, For, onCleanup, Show } from "solid-js";
import { type EdgePeek, peekEdge } from "../api.ts";
import { useEditor } from "../editorContext.ts";
import { jsonPreview } from "../format.ts";
import { reportError } from "../notices.ts";
import { createSampler } from "../sampler.ts";

const SAMPLE_SIZE = 10;
const SAMPLE_EVERY_MS = 1000;

export function EdgeDebugPanel(props: { id: string }) {
  const editor = useEditor();
  const [open, setOpen] = createSignal(false);
  const [sample, setSample] = createSignal<EdgePeek>();
  const [sampledAt, setSampledAt] = createSignal<Date>();
  const sampler = createSampler({
    fetch: () => peekEdge(editor.graphId, props.id, SAMPLE_SIZE),
    intervalMs: SAMPLE_EVERY_MS,
    onSample(next) {
      setSample(next);
      setSampledAt(new Date());
    },
    onError(error) {
      setOpen(false);
      reportError("Could not sample the edge's messages", error);
    },
  });
  createEffect(() => {
    if (open()) sampler.start();
    else sampler.stop();
  });
  onCleanup(() => sampler.stop());

  const listId = () => `samples-${props.id}`;
  return (
    <section class="panel edge-debug" aria-label="Edge debugging" data-edge-debug={props.id}>
      <div class="inspector-head">
        <h2 class="panel-title">Messages</h2>
        <button
          type="button"
          data-action="sample-messages"
          aria-pressed={open()}
          aria-controls={listId()}
          onClick={() => setOpen((o) => !o)}
        >
          {open() ? "Stop sampling" : "Sample messages"}
        </button>
      </div>
      <Show
        when={open()}
        fallback={<p class="muted small">Peek at the first {SAMPLE_SIZE} messages queued on this edge, live.</p>}
      >
        <p class="muted small" aria-live="polite">
          {sampledAt() ? `Sampled at ${sampledAt()?.toLocaleTimeString()}` : "Sampling…"}
        </p>
        <Show when={sample()}>
          {(s) => (
            <Show when={s().messages.length > 0} fallback={<p class="muted small">The queue is empty.</p>}>
              <ol id={listId()} class="samples" aria-label="Queued messages, oldest first" data-samples>
                <For each={s().messages}>
                  {(m) => (
                    <li class="sample" data-message-id={m.message.id} data-inflight={m.inflight ? "true" : "false"}>
                      <div class="sample-head">
                        <span class="mono">{m.message.id}</span>
                        <span class="muted small" data-attempts={m.attempts}>
                          {m.attempts} {m.attempts === 1 ? "attempt" : "attempts"}
                        </span>
                        <Show when={m.inflight}>
                          <span class="badge badge-assigned" title="Delivered, waiting for its ack">
                            in flight
                          </span>
                        </Show>
                      </div>
                      <code class="mono small value-preview" title={jsonPreview(m.message.value, 2000)}>
                        {jsonPreview(m.message.value)}
                      </code>
                    </li>
                  )}
                </For>
              </ol>
            </Show>
          )}
        </Show>
      </Show>
    </section>
  );
}
