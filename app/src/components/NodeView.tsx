// One node box on the canvas: title, type, ports (the error output in red), live runtime state; drag to move,
// press a port to connect. A node whose type nobody knows still shows, marked, with the ports its edges use.
import { createMemo, For, Show } from "solid-js";
import { ERROR_PORT } from "../../../shared/nodeTypes.ts";
import { startDrag } from "../drag.ts";
import { useEditor } from "../editorContext.ts";
import { formatCount, formatRate } from "../format.ts";
import { heightOf, NODE_WIDTH, type Point, portPoint, portRows } from "../geometry.ts";
import { type LinkVerdict, type PortRef, portKey } from "../linking.ts";
import { categoryClass } from "../paletteModel.ts";
import { snapOn, snappedMove } from "../snap.ts";
import { StateBadge } from "./StateBadge.tsx";

export interface PortGrab {
  nodeId: string;
  port: string;
  dir: "in" | "out";
  point: Point;
}

export function NodeView(props: {
  id: string;
  onPortDown: (grab: PortGrab, event: PointerEvent) => void;
  /**
   * While an edge is drawn: what joining this port would do ("ok", "loop", "bad") for the port under the pointer,
   * or "picked" for the port a keyboard connection starts from.
   */
  linkVerdictAt: (key: string) => LinkVerdict["kind"] | "picked" | undefined;
  /** Enter or Space on a focused port: start a keyboard connection there, or finish one. */
  onPortPick: (port: PortRef) => void;
}) {
  const editor = useEditor();
  const node = () => editor.graph.state.nodes[props.id];
  const process = () => editor.runtime.state.processes[props.id];
  const type = () => node()?.type ?? "";
  // A memo: the class, the labels and the body all ask, and each lookup is a read through the types store.
  const def = createMemo(() => editor.types.lookup(type()));
  // A memo: the height, the rows and every port point read it, and working ports out sorts copies of the lists.
  const ports = createMemo(() => editor.portsOf({ id: props.id, type: type() }));
  const height = () => heightOf(ports());
  const rows = () => Array.from({ length: portRows(ports()) }, (_, i) => i);
  const selected = () => editor.selection.has({ kind: "node", id: props.id });
  /** Someone else has this node selected: outlined in their colour, named in the tooltip. */
  const peer = () => editor.presence.selectedBy().get(props.id);
  const typeTitle = () => def()?.title ?? type();
  const label = () => {
    const n = node();
    const kind = def() ? `${typeTitle()} node` : `node of unknown type ${type()}`;
    return `${n?.name || typeTitle()} (${kind})`;
  };

  const onPointerDown = (event: PointerEvent) => {
    if (event.button !== 0) return;
    const target = event.target as HTMLElement;
    event.stopPropagation();
    const n = node();
    if (!n) return;
    const portEl = target.closest<HTMLElement>("[data-port]");
    if (portEl) {
      const dir = portEl.dataset.portDir === "in" ? "in" : "out";
      const port = portEl.dataset.port ?? "";
      props.onPortDown({ nodeId: props.id, port, dir, point: portPoint(n, ports(), dir, port) }, event);
      return;
    }
    const item = { kind: "node", id: props.id } as const;
    if (event.shiftKey || event.ctrlKey || event.metaKey) {
      editor.selection.select(item, true);
      return;
    }
    if (!selected()) editor.selection.select(item);
    // Dragging one of several selected nodes moves them all.
    const starts = editor.selection.nodes().flatMap((id) => {
      const other = editor.graph.state.nodes[id];
      return other ? [{ id, x: other.x, y: other.y }] : [];
    });
    const grabbed = { x: n.x, y: n.y };
    startDrag(event, {
      move(dx, dy, e) {
        const zoom = editor.viewport.view().zoom;
        // Snapped (the toolbar's toggle; Alt does the opposite): the grabbed node lands on the grid.
        const by = snapOn() !== e.altKey ? snappedMove(grabbed, dx / zoom, dy / zoom) : { x: dx / zoom, y: dy / zoom };
        for (const start of starts) editor.actions.moveNode(start.id, start.x + by.x, start.y + by.y);
      },
      end() {
        editor.actions.endMove();
      },
    });
  };

  /**
   * Keys on the node: Enter goes into its ports. On a port: arrows move between its ports, Enter or Space picks it
   * to connect (then Enter on a port of another node joins them), Escape goes back to the node.
   */
  const onKeyDown = (event: KeyboardEvent) => {
    const li = event.currentTarget as HTMLElement;
    const target = event.target as HTMLElement;
    const portEls = () => [...li.querySelectorAll<HTMLElement>("[data-port]")];
    const portEl = target.closest<HTMLElement>("[data-port]");
    const handled = () => {
      event.preventDefault();
      event.stopPropagation();
    };
    if (!portEl) {
      if (target === li && event.key === "Enter" && !event.altKey) {
        handled();
        portEls()[0]?.focus();
      }
      return;
    }
    if (event.key === "Escape") {
      handled();
      li.focus();
    } else if (event.key === "Enter" || event.key === " ") {
      handled();
      const dir = portEl.dataset.portDir === "in" ? "in" : "out";
      props.onPortPick({ nodeId: props.id, dir, port: portEl.dataset.port ?? "" });
    } else if (event.key.startsWith("Arrow") && !event.altKey) {
      handled();
      const all = portEls();
      const step = event.key === "ArrowUp" || event.key === "ArrowLeft" ? -1 : 1;
      all[(all.indexOf(portEl) + step + all.length) % all.length]?.focus();
    }
  };

  return (
    <Show when={node()}>
      {(n) => (
        <li
          class={`node category-${categoryClass(def()?.category)}`}
          classList={{
            selected: selected(),
            "peer-selected": peer() !== undefined,
            disabled: n().disabled === true,
            "unknown-type": !def(),
          }}
          data-peer-selected={peer()?.name}
          data-node-id={props.id}
          data-node-type={n().type}
          data-unknown-type={def() ? undefined : "true"}
          aria-label={label()}
          aria-current={selected() ? "true" : undefined}
          tabindex={0}
          style={{
            // left/top, not a transform: a transform per node is a compositor property node per node, and a
            // thousand of those made every frame of a pan cost tens of milliseconds (bench/editor).
            left: `${n().x}px`,
            top: `${n().y}px`,
            height: `${height()}px`,
            "--peer-color": peer()?.color,
          }}
          onPointerDown={onPointerDown}
          onKeyDown={onKeyDown}
          onFocus={(event) => {
            // Keyboard focus (Tab) selects the node and brings it into view; a click selects on pointerdown.
            if (event.target === event.currentTarget && event.currentTarget.matches(":focus-visible")) {
              if (!selected()) editor.selection.select({ kind: "node", id: props.id });
              editor.viewport.reveal({ x: n().x, y: n().y, width: NODE_WIDTH, height: height() });
            }
          }}
        >
          <div class="node-head">
            <span class="node-name" title={n().name}>
              {n().name || typeTitle()}
            </span>
            <StateBadge process={process()} received={editor.runtime.state.received} disabled={n().disabled === true} />
          </div>
          {/* Only the title bar is built far away or out of view (detail.ts): a thousand bodies are not worth it. */}
          <Show when={editor.detail.detailed(props.id)}>
            <div class="node-sub">
              <span class="node-type mono">{n().type}</span>
              <Show when={!def()}>
                <span
                  class="node-unknown"
                  data-node-unknown-type
                  title={`No worker announced node type "${n().type}": it cannot run until one does`}
                >
                  unknown type
                </span>
              </Show>
              <Show when={process()?.workerId}>
                {(worker) => (
                  <span class="node-worker mono" data-node-worker={worker()} title={`Running on worker ${worker()}`}>
                    @{worker()}
                  </span>
                )}
              </Show>
              <Show when={process()?.reason}>
                {(reason) => (
                  <span class="node-reason" data-reason={reason()} title={reason()}>
                    {reason()}
                  </span>
                )}
              </Show>
            </div>
            <div class="node-ports">
              <For each={rows()}>
                {(row) => (
                  <div class="port-row">
                    <Show when={ports().inputs[row]}>
                      {(port) => (
                        <button
                          type="button"
                          class="port port-in"
                          data-port={port()}
                          data-port-dir="in"
                          data-link={props.linkVerdictAt(portKey({ nodeId: props.id, dir: "in", port: port() }))}
                          title={`input port ${port()}`}
                          tabindex={-1}
                          aria-label={`input ${port()} of ${n().name || typeTitle()}`}
                        >
                          <span class="port-dot" aria-hidden="true" />
                          <span class="port-name">{port()}</span>
                        </button>
                      )}
                    </Show>
                    <Show when={ports().outputs[row]}>
                      {(port) => (
                        <button
                          type="button"
                          class="port port-out"
                          classList={{ "port-error": port() === ERROR_PORT }}
                          data-port={port()}
                          data-port-dir="out"
                          data-link={props.linkVerdictAt(portKey({ nodeId: props.id, dir: "out", port: port() }))}
                          tabindex={-1}
                          aria-label={`${port() === ERROR_PORT ? "error output" : "output"} ${port()} of ${n().name || typeTitle()}`}
                          title={
                            port() === ERROR_PORT
                              ? "error output: messages this node failed on, with the error"
                              : `output port ${port()}`
                          }
                        >
                          <span class="port-name">{port()}</span>
                          <span class="port-dot" aria-hidden="true" />
                        </button>
                      )}
                    </Show>
                  </div>
                )}
              </For>
            </div>
            <NodeCounters id={props.id} />
          </Show>
        </li>
      )}
    </Show>
  );
}

/** The footer line: in / out / errors counters; the errors count's tooltip is the last error. */
function NodeCounters(props: { id: string }) {
  const editor = useEditor();
  const process = () => editor.runtime.state.processes[props.id];
  const rate = () => editor.runtime.state.rates[props.id];
  return (
    <div class="node-stats">
      <span class="stat" data-in={process()?.in ?? 0} title={`Messages received${perSecond(rate()?.in)}`}>
        <span class="stat-label">in</span> {formatCount(process()?.in ?? 0)}
        <Rate value={rate()?.in} attr="in" />
      </span>
      <span class="stat" data-out={process()?.out ?? 0} title={`Messages sent${perSecond(rate()?.out)}`}>
        <span class="stat-label">out</span> {formatCount(process()?.out ?? 0)}
        <Rate value={rate()?.out} attr="out" />
      </span>
      <span
        class="stat"
        classList={{ "stat-error": (process()?.errors ?? 0) > 0 }}
        data-errors={process()?.errors ?? 0}
        title={process()?.lastError ?? "No errors"}
      >
        <span class="stat-label">err</span> {formatCount(process()?.errors ?? 0)}
      </span>
    </div>
  );
}

const perSecond = (value: number | undefined) => (value && value > 0 ? `, ${formatRate(value)} per second now` : "");

/** A live rate beside a counter, while messages flow. */
function Rate(props: { value: number | undefined; attr: "in" | "out" }) {
  return (
    <Show when={(props.value ?? 0) > 0}>
      <span class="stat-rate" {...{ [`data-rate-${props.attr}`]: props.value }}>
        {formatRate(props.value ?? 0)}/s
      </span>
    </Show>
  );
}
