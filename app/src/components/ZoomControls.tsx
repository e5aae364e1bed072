// Zoom in / out / fit buttons floating over the canvas.
import { useEditor } from "../editorContext.ts";

export function ZoomControls(props: { onFit: () => void }) {
  const { viewport } = useEditor();
  return (
    <div class="zoom-controls" role="toolbar" aria-label="Zoom" onPointerDown={(e) => e.stopPropagation()}>
      <button type="button" class="icon-button" aria-label="Zoom out" onClick={() => viewport.zoomAt(1 / 1.25)}>
        −
      </button>
      <span class="zoom-level mono" aria-live="polite">
        {Math.round(viewport.view().zoom * 100)}%
      </span>
      <button type="button" class="icon-button" aria-label="Zoom in" onClick={() => viewport.zoomAt(1.25)}>
        +
      </button>
      <button
        type="button"
        class="icon-button"
        aria-label="Fit the graph in view"
        data-action="fit"
        onClick={props.onFit}
      >
        ⤢
      </button>
    </div>
  );
}
