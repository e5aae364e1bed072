// The `cron` source: emits { firedAt, schedule } (or its payload) each time a croner schedule fires.
import { Cron } from "croner";
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";

/** A paused croner job for `schedule` in `timezone` ("" = the worker's); throws naming what is invalid. */
export function cronJob(schedule: string, timezone: string, onTick: (job: Cron) => void): Cron {
  if (timezone !== "") {
    try {
      new Intl.DateTimeFormat("en", { timeZone: timezone });
    } catch {
      throw new Error(
        `cron: param "timezone" ${JSON.stringify(timezone)} is not an IANA time zone (such as "Europe/Berlin" or "UTC")`,
      );
    }
  }
  let job: Cron;
  try {
    job = new Cron(schedule, { paused: true, ...(timezone ? { timezone } : {}) }, onTick);
  } catch (error) {
    throw new Error(
      `cron: param "schedule" ${JSON.stringify(schedule)} is not a valid cron expression: ${reason(error)}`,
    );
  }
  if (job.nextRun() === null) {
    job.stop();
    throw new Error(`cron: param "schedule" ${JSON.stringify(schedule)} never fires from now on`);
  }
  return job;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const cronNode: NodeImpl = {
  def: builtinType("cron"),
  create() {
    let job: Cron | undefined;
    return {
      start(ctx: NodeContext) {
        const schedule = String(ctx.params.schedule ?? "");
        const payload = (ctx.params.payload ?? null) as JsonValue;
        job = cronJob(schedule, String(ctx.params.timezone ?? ""), (self) => {
          const firedAt = (self.currentRun() ?? new Date()).toISOString();
          if (!ctx.credit("out")) {
            ctx.log.debug({ firedAt }, "cron: no credit downstream; tick skipped");
            return;
          }
          ctx.emit("out", payload === null ? { firedAt, schedule } : payload);
        });
        job.resume();
      },
      stop() {
        job?.stop();
        job = undefined;
      },
    };
  },
};
