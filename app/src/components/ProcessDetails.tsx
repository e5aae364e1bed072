// Runtime details of one node's process in the side panel: state, worker, counters, last error, and the messages a
// sink keeps (log: values; debug: samples with time and id). Its hooks are named data-process-* so they never
// double the canvas hooks (data-state, data-in, ...).
import { For, Match, Show, Switch } from "solid-js";
import type { JsonValue } from "../../../shared/graph.ts";
import { useEditor } from "../editorContext.ts";
import { clockTime, debugSamples, prettyValue, recentKind } from "../recent.ts";
import { StateBadge } from "./StateBadge.tsx";

const RECENT_SHOWN = 8;

export function ProcessDetails(props: { nodeId: string; type: string }) {
  const editor = useEditor();
  const process = () => editor.runtime.state.processes[props.nodeId];
  const disabled = () => editor.graph.state.nodes[props.nodeId]?.disabled === true;
  const kept = () => process()?.recent ?? [];
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
      <Show when={recentKind(props.type)}>
        {(kind) => (
          <>
            <h3 class="section-title">{kind() === "samples" ? "Debug samples" : "Recent messages"}</h3>
            <Show when={kept().length > 0} fallback={<p class="muted small">No messages yet.</p>}>
              <Switch>
                <Match when={kind() === "values"}>
                  <RecentValues recent={kept()} />
                </Match>
                <Match when={kind() === "samples"}>
                  <RecentSamples recent={kept()} />
                </Match>
              </Switch>
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}

/** The log node's last values, newest first, one line each. */
function RecentValues(props: { recent: readonly JsonValue[] }) {
  const shown = () => props.recent.slice(-RECENT_SHOWN).reverse();
  return (
    <ol class="recent" aria-label="Recent messages, newest first" data-recent>
      <For each={shown()}>{(value) => <li class="mono">{JSON.stringify(value)}</li>}</For>
    </ol>
  );
}

/** The debug node's samples, newest first: time, message id, and the value pretty-printed. */
function RecentSamples(props: { recent: readonly JsonValue[] }) {
  const samples = () => debugSamples(props.recent);
  return (
    <ol class="recent recent-samples" aria-label="Debug samples, newest first" data-recent data-recent-kind="debug">
      <For each={samples()}>
        {(sample) => {
          const value = () => prettyValue(sample.value);
          return (
            <li class="recent-sample" data-recent-id={sample.id || undefined}>
              <div class="sample-head">
                <Show when={sample.at !== undefined}>
                  <time class="mono small" datetime={new Date(sample.at ?? 0).toISOString()}>
                    {clockTime(sample.at ?? 0)}
                  </time>
                </Show>
                <span class="mono small muted" title={sample.id}>
                  {sample.id}
                </span>
                <Show when={value().cut}>
                  <span class="muted small">(cut to 1,000 characters)</span>
                </Show>
              </div>
              <pre class="sample-value mono">{value().text}</pre>
            </li>
          );
        }}
      </For>
    </ol>
  );
}
