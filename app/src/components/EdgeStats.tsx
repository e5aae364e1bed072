// Live queue figures of one edge's channel (DELIVERY-9), from the room's status push: no polling.
import { Show } from "solid-js";
import { useEditor } from "../editorContext.ts";
import { formatBytes, formatRate } from "../format.ts";

export function EdgeStats(props: { id: string }) {
  const editor = useEditor();
  const status = () => editor.runtime.state.edges[props.id];
  return (
    <section class="edge-stats" aria-label="Queue" data-edge-stats={props.id}>
      <h3 class="section-title">Queue</h3>
      <Show
        when={status()}
        fallback={
          <p class="muted small">
            {editor.runtime.state.received
              ? "No queue: the room has no channel for this edge."
              : "Waiting for runtime status…"}
          </p>
        }
      >
        {(s) => (
          <>
            <meter
              class="load-bar"
              aria-label="Queue fill"
              min={0}
              max={Math.max(1, s().maxDepth)}
              high={Math.max(1, s().maxDepth) * 0.5}
              value={s().depth}
            />
            <dl class="facts edge-facts">
              <dt>Mode</dt>
              <dd data-edge-stat="mode">{s().mode}</dd>
              <dt>Depth</dt>
              <dd class="mono" data-edge-stat="depth" data-value={s().depth}>
                {s().depth} <span class="muted">of {s().maxDepth}</span>
              </dd>
              <dt>In flight</dt>
              <dd class="mono" data-edge-stat="inflight" data-value={s().inflight}>
                {s().inflight}
              </dd>
              <dt>Bytes</dt>
              <dd class="mono" data-edge-stat="bytes" data-value={s().bytes}>
                {formatBytes(s().bytes)} <span class="muted">of {formatBytes(s().maxBytes)}</span>
              </dd>
              <dt>Rate in</dt>
              <dd class="mono" data-edge-stat="rateIn" data-value={s().rateIn}>
                {formatRate(s().rateIn)} msg/s
              </dd>
              <dt>Rate out</dt>
              <dd class="mono" data-edge-stat="rateOut" data-value={s().rateOut}>
                {formatRate(s().rateOut)} msg/s
              </dd>
              <dt>Dead letters</dt>
              <dd class="mono" data-edge-stat="deadLetters" data-value={s().deadLetters}>
                {s().deadLetters}
              </dd>
              <dt>Paused</dt>
              <dd data-edge-stat="paused" data-value={s().paused ? "true" : "false"}>
                <Show when={s().paused} fallback="no">
                  <span
                    class="badge badge-blocked"
                    title="At its high water: the producer gets no credit until the queue is back under half"
                  >
                    back-pressured
                  </span>
                </Show>
              </dd>
            </dl>
          </>
        )}
      </Show>
    </section>
  );
}
