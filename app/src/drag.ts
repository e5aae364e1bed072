// Pointer-drag helper: follows one pointer on window until it is released, reporting movement since the start.
export interface DragHandlers {
  move(dx: number, dy: number, event: PointerEvent): void;
  end(event: PointerEvent, moved: boolean): void;
}

/** Pixels a pointer may travel before a press counts as a drag rather than a click. */
const CLICK_SLOP = 3;

export function startDrag(down: PointerEvent, handlers: DragHandlers): void {
  const startX = down.clientX;
  const startY = down.clientY;
  let moved = false;
  const onMove = (event: PointerEvent) => {
    if (event.pointerId !== down.pointerId) return;
    const dx = event.clientX - startX;
    const dy = event.clientY - startY;
    if (!moved && Math.hypot(dx, dy) < CLICK_SLOP) return;
    moved = true;
    handlers.move(dx, dy, event);
  };
  const onUp = (event: PointerEvent) => {
    if (event.pointerId !== down.pointerId) return;
    window.removeEventListener("pointermove", onMove);
    window.removeEventListener("pointerup", onUp);
    window.removeEventListener("pointercancel", onUp);
    handlers.end(event, moved);
  };
  window.addEventListener("pointermove", onMove);
  window.addEventListener("pointerup", onUp);
  window.addEventListener("pointercancel", onUp);
}
