// One form field generated from a ParamSpec, for every param kind; writes only values the room's schema accepts
// (paramInput.ts), on change (blur or Enter; Ctrl+Enter in a code or JSON field), and shows problems inline.
import { createSignal, For, type JSX, lazy, Match, Show, Suspense, Switch } from "solid-js";
import type { JsonValue } from "../../../shared/graph.ts";
import { isSecretRef, type ParamSpec, SECRET_NAME_PATTERN } from "../../../shared/nodeTypes.ts";
import { putSecret } from "../api.ts";
import { useEditor } from "../editorContext.ts";
import { reportError } from "../notices.ts";
import { durationHint, inputText, parseParamInput, sameValue, storedValueProblem } from "../paramInput.ts";

/** CodeMirror is half the editor's code: it loads the first time a code param is shown, not with the canvas. */
const CodeField = lazy(() => import("./CodeField.tsx").then((module) => ({ default: module.CodeField })));

export interface ParamFieldProps {
  nodeId: string;
  name: string;
  spec: ParamSpec;
  value: JsonValue | undefined;
  onCommit: (value: JsonValue) => void;
}

/** What every kind's input gets: its id, the current value, the ids describing it, and commit. */
interface InputProps {
  id: string;
  spec: ParamSpec;
  current: JsonValue;
  invalid: boolean;
  describedBy: string | undefined;
  commit: (raw: string | boolean) => void;
}

export function ParamField(props: ParamFieldProps) {
  const [error, setError] = createSignal<string>();
  const id = () => `param-${props.nodeId}-${props.name}`;
  const current = () => props.value ?? (props.spec.default as JsonValue);
  const stored = () => (error() ? undefined : storedValueProblem(props.spec, current()));
  const commit = (raw: string | boolean) => {
    const parsed = parseParamInput(props.spec, raw);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    setError(undefined);
    if (!sameValue(parsed.value, current())) props.onCommit(parsed.value as JsonValue);
  };
  const describedBy = () =>
    [
      props.spec.description ? `${id()}-desc` : "",
      props.spec.type === "duration" ? `${id()}-words` : "",
      error() || stored() ? `${id()}-err` : "",
    ]
      .filter(Boolean)
      .join(" ") || undefined;
  const invalid = () => error() !== undefined || stored() !== undefined;
  // Getters, not a fresh object: each input reads only what it shows, so an error never resets typed text.
  const input: InputProps = {
    get id() {
      return id();
    },
    get spec() {
      return props.spec;
    },
    get current() {
      return current();
    },
    get invalid() {
      return invalid();
    },
    get describedBy() {
      return describedBy();
    },
    commit,
  };

  return (
    <div class="field" classList={{ invalid: invalid() }} data-param={props.name} data-param-type={props.spec.type}>
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
        <Match when={props.spec.type === "secret"}>
          <SecretInput
            id={id()}
            title={props.spec.title}
            required={props.spec.required === true}
            value={props.value}
            nodeId={props.nodeId}
            param={props.name}
            onCommit={props.onCommit}
          />
        </Match>
        <Match when={true}>
          <FieldLabel for={id()} spec={props.spec} />
          <Switch fallback={<TextInput f={input} />}>
            <Match when={props.spec.type === "integer" || props.spec.type === "number"}>
              <NumberInput f={input} />
            </Match>
            <Match when={props.spec.type === "select"}>
              <SelectInput f={input} />
            </Match>
            <Match when={props.spec.type === "json"}>
              <JsonInput f={input} />
            </Match>
            <Match when={props.spec.type === "code"}>
              <Suspense fallback={<p class="muted code-loading">Loading the code editor…</p>}>
                <CodeField
                  id={id()}
                  nodeId={props.nodeId}
                  name={props.name}
                  spec={props.spec}
                  value={props.value}
                  invalid={invalid()}
                  describedBy={describedBy()}
                />
              </Suspense>
            </Match>
            <Match when={props.spec.type === "duration"}>
              <DurationInput f={input} />
            </Match>
          </Switch>
        </Match>
      </Switch>
      <Show when={props.spec.description}>
        <p id={`${id()}-desc`} class="hint">
          {props.spec.description}
        </p>
      </Show>
      <Show when={error() ?? stored()}>
        {(problem) => (
          <p id={`${id()}-err`} class="field-error" role="alert" data-param-error>
            {problem()}
          </p>
        )}
      </Show>
    </div>
  );
}

/** The field's title, with a marker when it must not be left empty. */
function FieldLabel(props: { for: string; spec: ParamSpec }) {
  return (
    <label for={props.for}>
      {props.spec.title}
      <Show when={props.spec.required}>
        <span class="required-mark" aria-hidden="true" title="Required">
          {" "}
          *
        </span>
      </Show>
    </label>
  );
}

function TextInput(props: { f: InputProps }) {
  return (
    <input
      id={props.f.id}
      type="text"
      value={inputText(props.f.spec, props.f.current)}
      aria-required={props.f.spec.required === true}
      aria-invalid={props.f.invalid}
      aria-describedby={props.f.describedBy}
      onChange={(e) => props.f.commit(e.currentTarget.value)}
    />
  );
}

function NumberInput(props: { f: InputProps }) {
  return (
    <input
      id={props.f.id}
      type="number"
      inputmode={props.f.spec.type === "integer" ? "numeric" : "decimal"}
      min={props.f.spec.min}
      max={props.f.spec.max}
      step={props.f.spec.type === "integer" ? 1 : "any"}
      value={inputText(props.f.spec, props.f.current)}
      aria-invalid={props.f.invalid}
      aria-describedby={props.f.describedBy}
      onChange={(e) => props.f.commit(e.currentTarget.value)}
    />
  );
}

/** One of `choices`; a stored value that is none of them shows as such, so the field never hides what is set. */
function SelectInput(props: { f: InputProps }) {
  const choices = () => props.f.spec.choices ?? [];
  const value = () => (typeof props.f.current === "string" ? props.f.current : "");
  const stale = () => value() !== "" && !choices().includes(value());
  return (
    <select
      id={props.f.id}
      aria-required={props.f.spec.required === true}
      aria-invalid={props.f.invalid}
      aria-describedby={props.f.describedBy}
      onChange={(e) => props.f.commit(e.currentTarget.value)}
    >
      <Show when={value() === ""}>
        <option value="" selected>
          {props.f.spec.required ? "Choose…" : "(none)"}
        </option>
      </Show>
      <Show when={stale()}>
        <option value={value()} selected>
          {value()} (not a choice)
        </option>
      </Show>
      <For each={choices()}>
        {(choice) => (
          <option value={choice} selected={choice === value()}>
            {choice}
          </option>
        )}
      </For>
    </select>
  );
}

/** Ctrl+Enter (or Cmd+Enter) in a multi-line field commits it without leaving it. */
const onCommitKey =
  (props: InputProps): JSX.EventHandler<HTMLTextAreaElement, KeyboardEvent> =>
  (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      props.commit(e.currentTarget.value);
    }
  };

function JsonInput(props: { f: InputProps }) {
  const text = () => inputText(props.f.spec, props.f.current);
  return (
    <textarea
      id={props.f.id}
      class="json-input mono"
      rows={Math.min(12, Math.max(2, text().split("\n").length))}
      spellcheck={false}
      value={text()}
      aria-invalid={props.f.invalid}
      aria-describedby={props.f.describedBy}
      onChange={(e) => props.f.commit(e.currentTarget.value)}
      onKeyDown={onCommitKey(props.f)}
    />
  );
}

/** A duration as typed ("5s", "250ms", "1h30m", or milliseconds), with what it means in words below. */
function DurationInput(props: { f: InputProps }) {
  const [draft, setDraft] = createSignal<string>();
  const shown = () => draft() ?? inputText(props.f.spec, props.f.current);
  const words = () => durationHint(shown());
  return (
    <>
      <input
        id={props.f.id}
        type="text"
        inputmode="text"
        placeholder="5s, 250ms, 1h30m"
        value={inputText(props.f.spec, props.f.current)}
        aria-invalid={props.f.invalid}
        aria-describedby={props.f.describedBy}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onChange={(e) => {
          props.f.commit(e.currentTarget.value);
          setDraft(undefined);
        }}
      />
      <p id={`${props.f.id}-words`} class="hint duration-words" data-duration-ms={words() ? "" : undefined}>
        {words() ? `= ${words()}` : "Not a duration yet: write it like 500ms, 5s, 2m or 1h30m."}
      </p>
    </>
  );
}

/**
 * A secret param: the document keeps only the secret's name ({"$secret": NAME}); the value goes straight to
 * the hub's encrypted store (write-only), never into the graph.
 */
function SecretInput(props: {
  id: string;
  title: string;
  required: boolean;
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
      <span class="field-label">
        {props.title}
        <Show when={props.required}>
          <span class="required-mark" aria-hidden="true" title="Required">
            {" "}
            *
          </span>
        </Show>
      </span>
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
