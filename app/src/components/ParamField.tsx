// One form field generated from a ParamSpec; writes only valid values, on change (blur or Enter).
import { createSignal, Match, Show, Switch } from "solid-js";
import type { JsonValue } from "../../../shared/graph.ts";
import type { ParamSpec } from "../../../shared/nodeTypes.ts";
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
  const current = () => props.value ?? props.spec.default;
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
        <Match when={props.spec.type === "string"}>
          <label for={id()}>{props.spec.title}</label>
          <input
            id={id()}
            type="text"
            value={String(current())}
            aria-describedby={describedBy()}
            onChange={(e) => commit(e.currentTarget.value)}
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
