// The find-node box at the top of the canvas: Ctrl/Cmd+F or +K opens it, typing lists matching nodes (an ARIA
// combobox), Enter or a click selects the node, brings it into view and closes the box.
import { createMemo, createSignal, createUniqueId, For, onCleanup, onMount, Show } from "solid-js";
import { useEditor } from "../editorContext.ts";
import { isTyping } from "../editorKeys.ts";
import { findNodes } from "../findNode.ts";
import { NODE_WIDTH, nodeHeight } from "../geometry.ts";
import "./canvasTools.css";

export function FindNode() {
  const editor = useEditor();
  const { graph, types } = editor;
  const [open, setOpen] = createSignal(false);
  const [query, setQuery] = createSignal("");
  const [active, setActive] = createSignal(0);
  const listId = createUniqueId();
  let input: HTMLInputElement | undefined;
  /** Where the focus was before the box opened: Escape gives it back. */
  let returnFocus: Element | null = null;

  const titleOf = (type: string) => types.lookup(type)?.title;
  // Closed, the box reads no node, so edits cost it nothing.
  const results = createMemo(() => (open() ? findNodes(Object.values(graph.state.nodes), titleOf, query()) : []));
  const optionId = (index: number) => `${listId}-${index}`;
  const activeIndex = () => Math.min(active(), results().length - 1);

  const show = () => {
    if (!open()) {
      returnFocus = document.activeElement;
      setOpen(true);
    }
    input?.focus();
    input?.select();
  };
  /** Closes the box (once) and moves the focus to `focus`, if it is still on the page. */
  const close = (focus: Element | null) => {
    if (!open()) return;
    setOpen(false);
    if (focus instanceof HTMLElement && focus.isConnected) focus.focus();
  };
  const choose = (id: string | undefined) => {
    const node = id === undefined ? undefined : graph.state.nodes[id];
    if (!id || !node) return;
    editor.selection.select({ kind: "node", id });
    editor.viewport.reveal({ x: node.x, y: node.y, width: NODE_WIDTH, height: nodeHeight(node, editor.portsOf) });
    // The chosen node takes the focus, so Delete, arrows and Tab go on from it.
    close(document.querySelector(`[data-node-id="${CSS.escape(id)}"]`));
  };

  onMount(() => {
    const onKey = (event: KeyboardEvent) => {
      const key = event.key.toLowerCase();
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey || (key !== "f" && key !== "k")) return;
      if (event.target !== input && isTyping(event.target)) return;
      event.preventDefault();
      show();
    };
    window.addEventListener("keydown", onKey);
    onCleanup(() => window.removeEventListener("keydown", onKey));
  });

  const onInputKey = (event: KeyboardEvent) => {
    const count = results().length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (count > 0) setActive((activeIndex() + (event.key === "ArrowDown" ? 1 : count - 1)) % count);
    } else if (event.key === "Enter") {
      event.preventDefault();
      choose(results()[activeIndex()]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(returnFocus);
    }
  };

  return (
    <Show when={open()}>
      {/* biome-ignore lint/a11y/useSemanticElements: a <search> element is too new for every supported browser */}
      <div
        class="find-node"
        role="search"
        aria-label="Find a node"
        onPointerDown={(e) => e.stopPropagation()}
        onFocusOut={(e) => {
          if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) close(null);
        }}
      >
        <input
          ref={input}
          type="search"
          data-find-input
          role="combobox"
          aria-label="Find a node by name or type"
          aria-autocomplete="list"
          aria-expanded={results().length > 0}
          aria-controls={listId}
          aria-activedescendant={results().length > 0 ? optionId(activeIndex()) : undefined}
          placeholder="Find a node by name or type"
          autocomplete="off"
          spellcheck={false}
          value={query()}
          onInput={(e) => {
            setQuery(e.currentTarget.value);
            setActive(0);
          }}
          onKeyDown={onInputKey}
        />
        <div class="find-results" id={listId} role="listbox" aria-label="Matching nodes">
          <For each={results()}>
            {(id, index) => {
              const node = () => graph.state.nodes[id];
              const title = () => titleOf(node()?.type ?? "");
              return (
                // biome-ignore lint/a11y/useKeyWithClickEvents: keys reach options through the input (aria-activedescendant)
                <div
                  id={optionId(index())}
                  class="find-result"
                  role="option"
                  tabIndex={-1}
                  aria-selected={index() === activeIndex()}
                  data-find-result={id}
                  // Keeps the focus in the input, so the box does not close before the click lands.
                  onMouseDown={(e) => e.preventDefault()}
                  onPointerMove={() => setActive(index())}
                  onClick={() => choose(id)}
                >
                  <span class="find-name">{node()?.name || title() || node()?.type}</span>
                  <span class="find-type muted">
                    {title() ? `${title()} · ` : ""}
                    <span class="mono">{node()?.type}</span>
                  </span>
                </div>
              );
            }}
          </For>
        </div>
        {/* Always present, so screen readers hear the message when it appears. */}
        <p class="find-empty muted" role="status">
          {query().trim() !== "" && results().length === 0 ? "No node matches" : ""}
        </p>
      </div>
    </Show>
  );
}
