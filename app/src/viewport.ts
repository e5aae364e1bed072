// Pan and zoom of the canvas, and conversion between screen and graph coordinates.
import { type Accessor, createMemo, createSignal } from "solid-js";
import type { Point, Rect } from "./geometry.ts";

export interface View {
  x: number;
  y: number;
  zoom: number;
}

/** Below this zoom nodes are drawn as tiles with their name only (level of detail), which keeps big graphs fluid. */
export const FAR_ZOOM = 0.45;

export interface Viewport {
  readonly view: Accessor<View>;
  /** Zoomed out past FAR_ZOOM; a memo, so a thousand nodes do not re-run on every pan. */
  readonly far: Accessor<boolean>;
  attach(element: HTMLElement): () => void;
  toWorld(clientX: number, clientY: number): Point;
  /** The graph point at the centre of the visible canvas. */
  center(): Point;
  panBy(dx: number, dy: number): void;
  zoomAt(factor: number, clientX?: number, clientY?: number): void;
  /** Frames `bounds`; waits for the canvas to have a size if it has none yet. */
  fit(bounds: Rect | undefined): void;
  /** Pans the least amount that brings `bounds` fully into view. */
  reveal(bounds: Rect): void;
  /** Puts graph point `center` in the middle of the canvas at `zoom` (following another person's view). */
  centerOn(center: Point, zoom: number): void;
}

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 2.5;
const HOME: View = { x: 40, y: 40, zoom: 1 };

export function createViewport(): Viewport {
  const [view, setView] = createSignal<View>(HOME);
  const far = createMemo(() => view().zoom < FAR_ZOOM);
  let element: HTMLElement | undefined;
  // The canvas size comes from a ResizeObserver, so framing never forces a synchronous layout.
  let size = { width: 0, height: 0 };
  let pendingFit: { bounds: Rect | undefined } | undefined;

  const origin = () => {
    const r = element?.getBoundingClientRect();
    return { left: r?.left ?? 0, top: r?.top ?? 0 };
  };
  const toWorld = (clientX: number, clientY: number): Point => {
    const o = origin();
    const v = view();
    return { x: (clientX - o.left - v.x) / v.zoom, y: (clientY - o.top - v.y) / v.zoom };
  };
  const applyFit = (bounds: Rect | undefined) => {
    if (!bounds) {
      setView(HOME);
      return;
    }
    const pad = 48;
    const zoom = clamp(
      Math.min(
        (size.width - pad * 2) / Math.max(1, bounds.width),
        (size.height - pad * 2) / Math.max(1, bounds.height),
      ),
      MIN_ZOOM,
      1,
    );
    setView({
      zoom,
      x: (size.width - bounds.width * zoom) / 2 - bounds.x * zoom,
      y: (size.height - bounds.height * zoom) / 2 - bounds.y * zoom,
    });
  };

  return {
    view,
    far,
    attach(el) {
      element = el;
      const observer = new ResizeObserver((entries) => {
        const box = entries[entries.length - 1]?.contentRect;
        if (!box) return;
        size = { width: box.width, height: box.height };
        if (pendingFit && size.width > 0) {
          const { bounds } = pendingFit;
          pendingFit = undefined;
          applyFit(bounds);
        }
      });
      observer.observe(el);
      return () => observer.disconnect();
    },
    toWorld,
    center() {
      const v = view();
      return { x: (size.width / 2 - v.x) / v.zoom, y: (size.height / 2 - v.y) / v.zoom };
    },
    panBy(dx, dy) {
      setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));
    },
    zoomAt(factor, clientX, clientY) {
      const o = clientX === undefined || clientY === undefined ? { left: 0, top: 0 } : origin();
      const cx = clientX === undefined ? size.width / 2 : clientX - o.left;
      const cy = clientY === undefined ? size.height / 2 : clientY - o.top;
      setView((v) => {
        const zoom = clamp(v.zoom * factor, MIN_ZOOM, MAX_ZOOM);
        const k = zoom / v.zoom;
        return { zoom, x: cx - (cx - v.x) * k, y: cy - (cy - v.y) * k };
      });
    },
    fit(bounds) {
      if (size.width === 0) pendingFit = { bounds };
      else applyFit(bounds);
    },
    centerOn(center, zoom) {
      const z = clamp(zoom, MIN_ZOOM, MAX_ZOOM);
      setView({ zoom: z, x: size.width / 2 - center.x * z, y: size.height / 2 - center.y * z });
    },
    reveal(bounds) {
      const pad = 32;
      setView((v) => {
        const left = bounds.x * v.zoom + v.x;
        const top = bounds.y * v.zoom + v.y;
        const right = left + bounds.width * v.zoom;
        const bottom = top + bounds.height * v.zoom;
        let dx = 0;
        let dy = 0;
        if (right > size.width - pad) dx = size.width - pad - right;
        if (left + dx < pad) dx = pad - left;
        if (bottom > size.height - pad) dy = size.height - pad - bottom;
        if (top + dy < pad) dy = pad - top;
        return dx || dy ? { ...v, x: v.x + dx, y: v.y + dy } : v;
      });
    },
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
