// Pan and zoom of the canvas, and conversion between screen and graph coordinates.
import { type Accessor, createComputed, createMemo, createSignal, onCleanup } from "solid-js";
import type { Point, Rect } from "./geometry.ts";

export interface View {
  x: number;
  y: number;
  zoom: number;
}

/** Below this zoom nodes are drawn as tiles with their name only (level of detail), which keeps big graphs fluid. */
export const FAR_ZOOM = 0.45;
/** Below this zoom a name would be a few pixels tall: tiles show only their colour and state, no text. */
export const TINY_ZOOM = 0.2;

export interface Viewport {
  readonly view: Accessor<View>;
  /**
   * Zoomed out past FAR_ZOOM, as of the last rest of a zoom gesture (at once for any other change of the view);
   * a memo, so a thousand nodes do not re-run on every pan.
   */
  readonly far: Accessor<boolean>;
  /** Zoomed out past TINY_ZOOM, with the same timing as `far`. */
  readonly tiny: Accessor<boolean>;
  /**
   * The view, updated at most every SETTLE_MS while it moves and once more when it stops: what costs more than a
   * frame (building the details of nodes that came into view) follows this, not every pan step.
   */
  readonly settled: Accessor<View>;
  /** The canvas's size in CSS pixels (0 × 0 until it is laid out). */
  readonly size: Accessor<{ width: number; height: number }>;
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

/** How often, at most, `settled` follows a moving view. */
export const SETTLE_MS = 120;
/** A zoom gesture is over when the zoom has not changed for this long. */
export const ZOOM_REST_MS = 250;
const MIN_ZOOM = 0.05;
const MAX_ZOOM = 2.5;
const HOME: View = { x: 40, y: 40, zoom: 1 };

export function createViewport(): Viewport {
  const [view, setViewSignal] = createSignal<View>(HOME);
  // The level of detail follows the zoom when a zoom gesture rests, not at each of its steps: crossing FAR_ZOOM
  // restyles every node, which mid-gesture would drop frames every time the zoom went back and forth over it.
  const [lodZoom, setLodZoom] = createSignal(HOME.zoom);
  const far = createMemo(() => lodZoom() < FAR_ZOOM);
  const tiny = createMemo(() => lodZoom() < TINY_ZOOM);
  let lodTimer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(lodTimer));
  /** Sets the view; a zoom gesture's step (`gesture`) moves the level of detail only once it rests. */
  const setView = (next: View | ((v: View) => View), gesture = false) => {
    const v = setViewSignal(next);
    clearTimeout(lodTimer);
    if (gesture) lodTimer = setTimeout(() => setLodZoom(view().zoom), ZOOM_REST_MS);
    else setLodZoom(v.zoom);
  };
  const settled = createSettled(view);
  let element: HTMLElement | undefined;
  // The canvas size comes from a ResizeObserver, so framing never forces a synchronous layout.
  let size = { width: 0, height: 0 };
  const [sizeSignal, setSize] = createSignal(size);
  let pendingFit: { bounds: Rect | undefined } | undefined;

  // Where the canvas is on the page, measured once and again only after it may have moved (it resized, the window
  // resized or scrolled): measured at each wheel or pointer event, it forced a style and layout pass of the whole
  // page up to twice a frame while zooming (bench/editor).
  let placed: { left: number; top: number } | undefined;
  const moved = () => {
    placed = undefined;
  };
  const origin = () => {
    if (!placed) {
      const r = element?.getBoundingClientRect();
      placed = { left: r?.left ?? 0, top: r?.top ?? 0 };
    }
    return placed;
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
    tiny,
    settled,
    size: sizeSignal,
    attach(el) {
      element = el;
      moved();
      const observer = new ResizeObserver((entries) => {
        moved();
        const box = entries[entries.length - 1]?.contentRect;
        if (!box) return;
        size = { width: box.width, height: box.height };
        setSize(size);
        if (pendingFit && size.width > 0) {
          const { bounds } = pendingFit;
          pendingFit = undefined;
          applyFit(bounds);
        }
      });
      observer.observe(el);
      const win = el.ownerDocument?.defaultView;
      win?.addEventListener("resize", moved);
      win?.addEventListener("scroll", moved, { capture: true, passive: true });
      return () => {
        observer.disconnect();
        win?.removeEventListener("resize", moved);
        win?.removeEventListener("scroll", moved, { capture: true });
      };
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
      }, true);
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

/** `source`, followed at most every SETTLE_MS (leading and trailing edge). */
function createSettled(source: Accessor<View>): Accessor<View> {
  const [value, setValue] = createSignal(source());
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = 0;
  const flush = () => {
    timer = undefined;
    last = Date.now();
    setValue(source());
  };
  createComputed(() => {
    source();
    if (timer !== undefined) return;
    const wait = last + SETTLE_MS - Date.now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  });
  onCleanup(() => clearTimeout(timer));
  return value;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
