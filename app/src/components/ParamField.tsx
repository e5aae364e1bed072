// One form field generated from a ParamSpec; writes only valid values, on change (blur or Enter).
import { createSignal, Match, Show, Switch } from "solid-js";
import type { JsonValue } from "../../../shared/graph.ts";
import { isSecretRef, type ParamSpec, SECRET_NAME_PATTERN } from "../../../shared/nodeTypes.ts";
import { putSecret } from "../api.ts";
import { useEditor } from "../editorContext.ts";
import { reportError } from "../notices.ts";
import { parseParamInput } from "../paramInput.ts";

export interface ParamFieldProps {
  nodeId: string;
  name: string;
  spec: ParamSpec;
  value: JsonValue | undefined;
  onCommit: (value: JsonValue) => void;
}

export function ParamField(props: ParamFieldProps) {
  const [error, setError] = createSignal<string>();
  const id = () => `param-${props.nodeId}-${props.name}`;
  const current = () => props.value ?? (props.spec.default as JsonValue);
  const commit = (raw: string | boolean) => {
    const parsed = parseParamInput(props.spec, raw);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    setError(undefined);
    if (parsed.value !== current()) props.onCommit(parsed.value);
  };
  const describedBy = () =>
    [props.spec.description ? `${id()}-desc` : "", error() ? `${id()}-err` : ""].join(" ").trim() || undefined;

  return (
    <div class="field" classList={{ invalid: error() !== undefined }} data-param={props.name}>
      <Switch>
        <Match when={props.spec.type === "boolean"}>
          <label class="check">
            <input
              id={id()}
              type="checkbox"
              checked={current() === true}
              aria-describedby={describedBy()}
              onChange={(e) => commit(e.currentTarget.checked)}
            />
            {props.spec.title}
          </label>
        </Match>
        <Match when={props.spec.type === "text" || props.spec.type === "duration"}>
          <label for={id()}>{props.spec.title}</label>
          <input
            id={id()}
            type="text"
            value={String(current())}
            aria-describedby={describedBy()}
            onChange={(e) => commit(e.currentTarget.value)}
          />
        </Match>
        <Match when={props.spec.type === "secret"}>
          <SecretInput
            id={id()}
            title={props.spec.title}
            value={props.value}
            nodeId={props.nodeId}
            param={props.name}
            onCommit={props.onCommit}
          />
        </Match>
        <Match when={props.spec.type === "integer" || props.spec.type === "number"}>
          <label for={id()}>{props.spec.title}</label>
          <input
            id={id()}
            type="number"
            inputmode={props.spec.type === "integer" ? "numeric" : "decimal"}
            min={props.spec.min}
            max={props.spec.max}
            step={props.spec.type === "integer" ? 1 : "any"}
            value={String(current())}
            aria-invalid={error() !== undefined}
            aria-describedby={describedBy()}
            onChange={(e) => commit(e.currentTarget.value)}
          />
        </Match>
      </Switch>
      <Show when={props.spec.description}>
        <p id={`${id()}-desc`} class="hint">
          {props.spec.description}
        </p>
      </Show>
      <Show when={error()}>
        <p id={`${id()}-err`} class="field-error" role="alert">
          {error()}
        </p>
      </Show>
    </div>
  );
}

/**
 * A secret param: the document keeps only the secret's name ({"$secret": NAME}); the value goes straight to
 * the hub's encrypted store (write-only), never into the graph.
 */
function SecretInput(props: {
  id: string;
  title: string;
  value: JsonValue | undefined;
  nodeId: string;
  param: string;
  onCommit: (value: JsonValue) => void;
}) {
  const editor = useEditor();
  const refName = () => (isSecretRef(props.value) ? props.value.$secret : "");
  const suggested = () =>
    `${props.nodeId}_${props.param}`
      .replace(/[^A-Za-z0-9_]/g, "_")
      .replace(/^([^A-Za-z_])/, "_$1")
      .slice(0, 64);
  const [name, setName] = createSignal(refName() || suggested());
  const [value, setValue] = createSignal("");
  const [saving, setSaving] = createSignal(false);
  const save = async () => {
    if (!SECRET_NAME_PATTERN.test(name()) || !value()) return;
    setSaving(true);
    try {
      await putSecret(editor.graphId, name(), value());
      setValue("");
      if (refName() !== name()) props.onCommit({ $secret: name() });
    } catch (error) {
      reportError("Could not save the secret", error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <div class="secret-field" data-secret={refName() || undefined}>
      <span class="field-label">{props.title}</span>
      <p class="hint">
        {refName() ? (
          <>
            Uses secret <code>{refName()}</code>.
          </>
        ) : (
          "No secret set."
        )}{" "}
        Values are write-only.
      </p>
      <label for={`${props.id}-name`}>Secret name</label>
      <input id={`${props.id}-name`} type="text" value={name()} onInput={(e) => setName(e.currentTarget.value)} />
      <label for={`${props.id}-value`}>New value</label>
      <input
        id={`${props.id}-value`}
        type="password"
        autocomplete="off"
        value={value()}
        onInput={(e) => setValue(e.currentTarget.value)}
      />
      <button
        type="button"
        disabled={saving() || !value() || !SECRET_NAME_PATTERN.test(name())}
        onClick={() => void save()}
      >
        Save secret
      </button>
    </div>
  );
}
