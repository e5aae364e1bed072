// Side-panel editor of one node: name, disabled, params form from its type (as the graph's registry knows it),
// runtime details, delete.
import { For, Show } from "solid-js";
import { useEditor } from "../editorContext.ts";
import { ParamField } from "./ParamField.tsx";
import { ProcessDetails } from "./ProcessDetails.tsx";

export function NodeInspector(props: { id: string }) {
  const editor = useEditor();
  const node = () => editor.graph.state.nodes[props.id];
  const def = () => editor.types.lookup(node()?.type ?? "");
  const paramEntries = () => Object.entries(def()?.params ?? {});

  return (
    <Show when={node()}>
      {(n) => (
        <div class="inspector-body" data-inspector="node" data-inspector-node={props.id}>
          <div class="inspector-head">
            <h2 class="panel-title">{def()?.title ?? n().type}</h2>
            <span class="mono muted small">{props.id}</span>
          </div>
          <Show
            when={def()}
            fallback={
              <>
                <p class="field-error" data-unknown-type-note>
                  Unknown node type “{n().type}”: no worker announced it. The node waits until a worker that has it
                  connects.
                </p>
                <Show when={Object.keys(n().params).length > 0}>
                  <details class="raw-params-box">
                    <summary class="small">Parameters as stored</summary>
                    <pre class="raw-params mono">{JSON.stringify(n().params, null, 2)}</pre>
                  </details>
                </Show>
              </>
            }
          >
            {(known) => (
              <>
                <p class="muted small">{known().description}</p>
                <Show when={known().source === "worker"}>
                  <p class="muted small" data-type-plugin>
                    Plugin type <span class="mono">{known().type}</span> v{known().version}
                    {known().workers.length > 0 ? `, on ${known().workers.join(", ")}` : ""}.
                  </p>
                </Show>
                <Show when={!known().available}>
                  <p class="type-unavailable small" data-type-unavailable role="note">
                    Unavailable: {known().reason || "no connected worker can run this type now."}
                  </p>
                </Show>
              </>
            )}
          </Show>

          <form class="form" aria-label="Node settings" onSubmit={(e) => e.preventDefault()}>
            <div class="field">
              <label for={`name-${props.id}`}>Name</label>
              <input
                id={`name-${props.id}`}
                type="text"
                name="name"
                maxLength={200}
                value={n().name}
                onChange={(e) => editor.actions.rename(props.id, e.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label class="check">
                <input
                  type="checkbox"
                  name="disabled"
                  checked={n().disabled === true}
                  onChange={(e) => editor.actions.setDisabled(props.id, e.currentTarget.checked)}
                />
                Disabled <span class="muted small">(the node does not run)</span>
              </label>
            </div>
            <Show when={paramEntries().length > 0}>
              <fieldset class="params">
                <legend>Parameters</legend>
                <For each={paramEntries()}>
                  {([key, spec]) => (
                    <ParamField
                      nodeId={props.id}
                      name={key}
                      spec={spec}
                      value={n().params[key]}
                      onCommit={(value) => editor.actions.setParam(props.id, key, value)}
                    />
                  )}
                </For>
              </fieldset>
            </Show>
          </form>

          <Show when={(n().labels ?? []).length > 0}>
            <div class="field">
              <span class="field-label">Needs worker labels</span>
              <div class="labels">
                <For each={n().labels}>{(label) => <span class="label">{label}</span>}</For>
              </div>
            </div>
          </Show>

          <ProcessDetails nodeId={props.id} type={n().type} />

          <button
            type="button"
            class="danger"
            data-action="delete-node"
            onClick={() => {
              editor.actions.removeNode(props.id);
              editor.selection.select(null);
            }}
          >
            Delete node
          </button>
        </div>
      )}
    </Show>
  );
}
