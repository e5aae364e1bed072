// The editor's keyboard and clipboard: undo/redo, select all, delete, duplicate, nudge, Alt+arrows to the next
// node, zoom, and copy/cut/paste as JSON text through the system clipboard (so nodes move between graphs, tabs
// and browsers).
import { copyText } from "./clipboard.ts";
import type { EditorContextValue } from "./editorContext.ts";
import { boundsOf, NODE_WIDTH, nodeHeight, type Point } from "./geometry.ts";
import { notify } from "./notices.ts";
import { nearestInDirection } from "./spatial.ts";

/** How far a duplicate lands from its original, and how far an arrow key moves (Shift: ×5). */
const DUPLICATE_OFFSET = 40;
const NUDGE = 10;

/** Attaches the listeners to `window`; returns their removal. */
export function bindEditorKeys(editor: EditorContextValue): () => void {
  const { actions, selection, viewport, graph } = editor;
  // Where the pointer last was over the canvas, in graph coordinates: pastes land there.
  let pointer: Point | undefined;

  const selectedText = () => copyText(graph.state.nodes, graph.state.edges, selection.nodes());
  const selectPasted = (result: ReturnType<typeof actions.paste>) => {
    if (result.ok)
      selection.selectMany(
        result.nodes.map((n) => n.id),
        result.edges.map((e) => e.id),
      );
    else notify("info", `Nothing pasted: ${result.reason}`, 5000);
  };
  const removeSelected = () => {
    const nodes = selection.nodes();
    const edges = selection.edges();
    if (nodes.length + edges.length === 0) return;
    actions.removeMany(nodes, edges);
    selection.select(null);
  };
  const nudge = (dx: number, dy: number) => {
    const nodes = selection.nodes();
    for (const id of nodes) {
      const node = graph.state.nodes[id];
      if (node) actions.moveNode(id, node.x + dx, node.y + dy);
    }
    actions.endMove();
    const moved = nodes.flatMap((id) => (graph.state.nodes[id] ? [graph.state.nodes[id]] : []));
    const bounds = boundsOf(moved, editor.portsOf);
    if (bounds) viewport.reveal(bounds);
  };

  /** Alt+arrow: to the nearest node that way from the focused (or the one selected) node, focused and selected. */
  const travel = (key: string) => {
    const direction = ({ ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down" } as const)[
      key as "ArrowLeft"
    ];
    const focused = document.activeElement?.closest<HTMLElement>("[data-node-id]")?.dataset.nodeId;
    const from = focused ?? selection.single()?.id ?? graph.nodeIds()[0];
    if (!direction || !from) return;
    const centres = new Map<string, Point>();
    for (const id of graph.nodeIds()) {
      const node = graph.state.nodes[id];
      if (node) centres.set(id, { x: node.x + NODE_WIDTH / 2, y: node.y + nodeHeight(node, editor.portsOf) / 2 });
    }
    const to =
      from === focused || from === selection.single()?.id ? nearestInDirection(centres, from, direction) : from;
    const node = to ? graph.state.nodes[to] : undefined;
    if (!to || !node) return;
    selection.select({ kind: "node", id: to });
    viewport.reveal({ x: node.x, y: node.y, width: NODE_WIDTH, height: nodeHeight(node, editor.portsOf) });
    document.querySelector<HTMLElement>(`[data-node-id="${CSS.escape(to)}"]`)?.focus();
  };

  const onKey = (event: KeyboardEvent) => {
    if (isTyping(event.target)) return;
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    const handled = (run: () => void) => {
      event.preventDefault();
      run();
    };
    if (mod && key === "z" && !event.shiftKey) handled(() => actions.undo());
    else if (mod && (key === "y" || (key === "z" && event.shiftKey))) handled(() => actions.redo());
    else if (mod && key === "a") handled(() => selection.selectMany(graph.nodeIds(), graph.edgeIds()));
    else if (mod && key === "d") {
      handled(() => {
        const text = selectedText();
        const first = graph.state.nodes[selection.nodes()[0] ?? ""];
        if (!text || !first) return;
        const left = Math.min(...selection.nodes().map((id) => graph.state.nodes[id]?.x ?? first.x));
        const top = Math.min(...selection.nodes().map((id) => graph.state.nodes[id]?.y ?? first.y));
        selectPasted(actions.paste(text, { x: left + DUPLICATE_OFFSET, y: top + DUPLICATE_OFFSET }));
      });
    } else if (!mod && (event.key === "Delete" || event.key === "Backspace")) handled(removeSelected);
    else if (event.key === "Escape") selection.select(null);
    else if (event.altKey && !mod && event.key.startsWith("Arrow")) handled(() => travel(event.key));
    else if (!mod && event.key.startsWith("Arrow") && selection.nodes().length > 0) {
      const step = event.shiftKey ? NUDGE * 5 : NUDGE;
      const [dx, dy] = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[
        event.key
      ] ?? [0, 0];
      handled(() => nudge(dx ?? 0, dy ?? 0));
    } else if (!mod && (event.key === "+" || event.key === "=")) handled(() => viewport.zoomAt(1.25));
    else if (!mod && event.key === "-") handled(() => viewport.zoomAt(1 / 1.25));
  };

  const onCopy = (event: ClipboardEvent) => {
    if (isTyping(event.target)) return;
    const text = selectedText();
    if (!text || !event.clipboardData) return;
    event.preventDefault();
    event.clipboardData.setData("text/plain", text);
    if (event.type === "cut") removeSelected();
  };
  const onPaste = (event: ClipboardEvent) => {
    if (isTyping(event.target) || editor.readOnly()) return;
    const text = event.clipboardData?.getData("text/plain");
    if (!text) return;
    event.preventDefault();
    selectPasted(actions.paste(text, pointer ?? viewport.center()));
  };
  const onPointer = (event: PointerEvent) => {
    const overCanvas = event.target instanceof Element && event.target.closest(".canvas") !== null;
    pointer = overCanvas ? viewport.toWorld(event.clientX, event.clientY) : undefined;
  };

  window.addEventListener("keydown", onKey);
  window.addEventListener("copy", onCopy);
  window.addEventListener("cut", onCopy);
  window.addEventListener("paste", onPaste);
  window.addEventListener("pointermove", onPointer, { passive: true });
  return () => {
    window.removeEventListener("keydown", onKey);
    window.removeEventListener("copy", onCopy);
    window.removeEventListener("cut", onCopy);
    window.removeEventListener("paste", onPaste);
    window.removeEventListener("pointermove", onPointer);
  };
}

/** Keys typed into a field (or a code editor) belong to it, not to the canvas. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}
