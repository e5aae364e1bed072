// An edge's delivery settings: mode and limits, blank for the broker's default (shown as placeholder).
// Each field is checked with the room's own rule before it is written (on change: blur or Enter); an invalid
// value stays in the field with the reason beside it, and the document is not touched.
import { createEffect, createSignal, For, on, Show } from "solid-js";
import {
  EDGE_DEFAULTS,
  EDGE_SETTING_LABELS,
  type EdgeSettingKey,
  type EdgeSettingsPatch,
  NUMERIC_EDGE_SETTINGS,
  type NumericEdgeSetting,
  parseModeSetting,
  parseNumericSetting,
} from "../edgeSettings.ts";
import { useEditor } from "../editorContext.ts";
import { formatBytes } from "../format.ts";

const HINTS: Record<EdgeSettingKey, string> = {
  mode: "durable: stored before the producer's ack; memory: faster, lost if the room restarts.",
  maxDepth: "Queued messages at which the producer is paused (resumes at half).",
  maxBytes: `Queued bytes at which the producer is paused (default ${formatBytes(EDGE_DEFAULTS.maxBytes)}).`,
  maxAttempts: "Deliveries of one message before it becomes a dead letter.",
};

export function EdgeSettingsForm(props: { id: string }) {
  return (
    <form class="form edge-settings" aria-label="Edge settings" onSubmit={(e) => e.preventDefault()}>
      <h3 class="section-title">Settings</h3>
      <ModeField edgeId={props.id} />
      <For each={NUMERIC_EDGE_SETTINGS}>{(field) => <NumberField edgeId={props.id} field={field} />}</For>
    </form>
  );
}

/** The error shown beside one field, cleared when the document's value changes (here or by a peer). */
function useFieldError(edgeId: string, field: EdgeSettingKey) {
  const editor = useEditor();
  const [error, setError] = createSignal<string>();
  const stored = () => editor.graph.state.edges[edgeId]?.[field];
  createEffect(on(stored, () => setError(undefined), { defer: true }));
  /** Writes `patch`; false (with the reason shown) when it was refused. */
  const commit = (patch: EdgeSettingsPatch): boolean => {
    const result = editor.actions.setEdgeSettings(edgeId, patch);
    if (result.ok) setError(undefined);
    else setError(result.reason);
    return result.ok;
  };
  return { error, setError, stored, commit };
}

function ModeField(props: { edgeId: string }) {
  const field = "mode";
  const { error, setError, stored, commit } = useFieldError(props.edgeId, field);
  const id = () => `edge-${props.edgeId}-${field}`;
  return (
    <div class="field" classList={{ invalid: error() !== undefined }} data-edge-setting={field}>
      <label for={id()}>{EDGE_SETTING_LABELS[field]}</label>
      <select
        id={id()}
        name={field}
        value={String(stored() ?? "")}
        aria-invalid={error() !== undefined}
        aria-describedby={`${id()}-hint${error() ? ` ${id()}-err` : ""}`}
        onChange={(e) => {
          const parsed = parseModeSetting(e.currentTarget.value);
          if (parsed !== null && typeof parsed === "object") setError(parsed.error);
          else commit({ mode: parsed });
        }}
      >
        <option value="">default ({EDGE_DEFAULTS.mode})</option>
        <option value="durable">durable</option>
        <option value="memory">memory</option>
      </select>
      <p id={`${id()}-hint`} class="hint">
        {HINTS[field]}
      </p>
      <FieldError id={`${id()}-err`} error={error()} />
    </div>
  );
}

function NumberField(props: { edgeId: string; field: NumericEdgeSetting }) {
  const { error, setError, stored, commit } = useFieldError(props.edgeId, props.field);
  const id = () => `edge-${props.edgeId}-${props.field}`;
  const shown = () => (stored() === undefined ? "" : String(stored()));
  return (
    <div class="field" classList={{ invalid: error() !== undefined }} data-edge-setting={props.field}>
      <label for={id()}>{EDGE_SETTING_LABELS[props.field]}</label>
      <input
        id={id()}
        name={props.field}
        type="number"
        inputmode="numeric"
        step={1}
        placeholder={String(EDGE_DEFAULTS[props.field])}
        value={shown()}
        aria-invalid={error() !== undefined}
        aria-describedby={`${id()}-hint${error() ? ` ${id()}-err` : ""}`}
        onChange={(e) => {
          const input = e.currentTarget;
          const parsed = parseNumericSetting(input.value, input.validity.badInput);
          if (parsed !== null && typeof parsed === "object") {
            setError(parsed.error);
            return;
          }
          // A value equal to the stored one writes nothing; show it as stored ("020" reads back as 20).
          const patch: EdgeSettingsPatch = {};
          patch[props.field] = parsed;
          if (commit(patch)) input.value = shown();
        }}
      />
      <p id={`${id()}-hint`} class="hint">
        {HINTS[props.field]}
      </p>
      <FieldError id={`${id()}-err`} error={error()} />
    </div>
  );
}

function FieldError(props: { id: string; error: string | undefined }) {
  return (
    <Show when={props.error}>
      {(error) => (
        <p id={props.id} class="field-error" role="alert" data-field-error>
          {capitalize(error())}.
        </p>
      )}
    </Show>
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
