// A colour-coded badge for a node's process state (data-state), with the pending/blocked reason as tooltip.
import type { ProcessStatus } from "../../../shared/status.ts";

export interface StateBadgeProps {
  process: ProcessStatus | undefined;
  received: boolean;
  disabled: boolean;
  /** Attribute carrying the state; the canvas badge owns `data-state`, copies elsewhere use another name. */
  hookName?: "data-state" | "data-process-state";
}

export function StateBadge(props: StateBadgeProps) {
  /** `unknown` until the first status push; a node without a process is `stopped`. */
  const state = () => props.process?.state ?? (props.received ? "stopped" : "unknown");
  const copy = () => props.hookName === "data-process-state";
  const title = () => {
    const p = props.process;
    if (p?.reason) return `${p.state}: ${p.reason}`;
    if (p?.state === "crashed" && p.lastError) return `crashed: ${p.lastError}`;
    if (props.disabled) return "disabled: this node does not run";
    return state();
  };
  return (
    <span
      class={`badge badge-${state()}`}
      data-state={copy() ? undefined : state()}
      data-process-state={copy() ? state() : undefined}
      title={title()}
    >
      {props.disabled && !props.process ? "disabled" : state()}
    </span>
  );
}
