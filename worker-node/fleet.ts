// The graphs one worker serves: a fixed list (--graph) or every graph the hub lists (--all, polled).
import { type AgentOptions, GraphAgent, type WorkerIdentity } from "./agent.ts";
import type { NodeCatalog } from "./catalog.ts";
import { fetchGraphIds } from "./graphList.ts";
import type { Logger } from "./log.ts";
import { plural } from "./plural.ts";
import { sleep } from "./sleep.ts";

export interface FleetOptions extends WorkerIdentity {
  hub: URL;
  token: string;
  log: Logger;
  /** Serve these graphs; ignored when `all` is set. */
  graphs: string[];
  all: boolean;
  pollMs?: number;
  /** The node types every graph's agent announces and runs (built-ins and plugins); default: the built-ins. */
  catalog?: Pick<NodeCatalog, "defs" | "find" | "problems">;
  /** Extra agent options (tests shorten backoff and timeouts). */
  agent?: Partial<Pick<AgentOptions, "backoff" | "welcomeTimeoutMs" | "stableAfterMs" | "runtime">>;
}

/**
 * How a drain ended: every room said `drained` (or was not connected), the timeout passed first, or
 * stop() cut it short (a second signal).
 */
export type FleetDrainEnd = "drained" | "timeout" | "stopped";

export class Fleet {
  private readonly agents = new Map<string, GraphAgent>();
  /** --all: graphs the hub refused or deleted; retried only after they leave the listing. */
  private readonly refused = new Set<string>();
  /** Aborted by drain() and stop(): no more polling, no new graphs. */
  private readonly stopper = new AbortController();
  private readonly log: Logger;
  private draining: Promise<FleetDrainEnd> | undefined;
  private stopped = false;

  constructor(private readonly options: FleetOptions) {
    this.log = options.log;
  }

  /** Processes held across every graph: the load reported in hello and heartbeats. */
  load(): number {
    let total = 0;
    for (const agent of this.agents.values()) total += agent.processCount();
    return total;
  }

  graphIds(): string[] {
    return [...this.agents.keys()];
  }

  /** Runs until stop() or drain() (exit code 0) or until nothing can be served (exit code 1). */
  async run(): Promise<number> {
    const code = await (this.options.all ? this.runAll() : this.runFixed());
    if (this.draining) await this.draining;
    return code;
  }

  /** Stops every graph at once: processes stop, what is un-acknowledged is waited for briefly, sockets close. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopper.abort();
    await Promise.all([...this.agents.values()].map((agent) => agent.stop()));
  }

  /**
   * Drain (DRAIN-1/2): every graph hands its processes back to its room and closes once the room
   * says `drained`; a graph that is not connected is done at once. After `timeoutMs` whatever is
   * left is stopped as by stop().
   */
  drain(timeoutMs: number): Promise<FleetDrainEnd> {
    this.draining ??= this.runDrain(timeoutMs);
    return this.draining;
  }

  private async runDrain(timeoutMs: number): Promise<FleetDrainEnd> {
    this.stopper.abort();
    const agents = [...this.agents.values()];
    this.log.info(
      { processes: this.load(), graphs: agents.length, timeoutMs },
      `draining: ${plural(this.load(), "process", "processes")} on ${plural(agents.length, "graph")}`,
    );
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<FleetDrainEnd>((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const drained = Promise.all(agents.map((agent) => agent.drain())).then((): FleetDrainEnd => "drained");
    const end = await Promise.race([drained, expired]);
    clearTimeout(timer);
    if (this.stopped) {
      await this.stop();
      return "stopped";
    }
    if (end === "timeout") {
      const left = [...this.agents.values()].filter((agent) => agent.processCount() > 0).map((a) => a.graphId);
      this.log.warn(
        { graphs: left, processes: this.load() },
        `drain timed out after ${timeoutMs / 1000} s with ${plural(this.load(), "process", "processes")} ` +
          `not handed over${left.length > 0 ? ` (graph ${left.join(", ")})` : ""}; stopping them`,
      );
      await this.stop();
      return end;
    }
    this.log.info("drained; exiting");
    return end;
  }

  private async runFixed(): Promise<number> {
    for (const graphId of new Set(this.options.graphs)) this.open(graphId);
    const ends = await Promise.all([...this.agents.values()].map((agent) => agent.done));
    if (this.stopper.signal.aborted) return 0;
    this.log.error(`no graph left to serve (${ends.map((end) => end.kind).join(", ")}); exiting`);
    return 1;
  }

  private async runAll(): Promise<number> {
    const pollMs = this.options.pollMs ?? 5000;
    let failures = 0;
    while (!this.stopper.signal.aborted) {
      const listed = await fetchGraphIds(this.options.hub, this.options.token, this.stopper.signal);
      if (this.stopper.signal.aborted) break;
      if (listed.ok) {
        if (failures > 0) this.log.info("graph list reachable again");
        failures = 0;
        this.sync(listed.ids);
      } else if (listed.fatal) {
        this.log.error({ status: listed.status }, `cannot list graphs: ${listed.message}`);
        await this.stop();
        return 1;
      } else {
        failures += 1;
        this.log.warn({ failures }, `cannot list graphs: ${listed.message}`);
      }
      await sleep(pollMs, this.stopper.signal);
    }
    await Promise.all([...this.agents.values()].map((agent) => agent.done));
    return 0;
  }

  /** Opens agents for new graph ids and stops those whose graph left the listing. */
  private sync(ids: string[]): void {
    const listed = new Set(ids);
    for (const id of this.refused) if (!listed.has(id)) this.refused.delete(id);
    for (const [id, agent] of this.agents) {
      if (listed.has(id)) continue;
      this.agents.delete(id);
      this.log.info({ graphId: id }, `graph ${id} is no longer listed; disconnecting`);
      void agent.stop();
    }
    for (const id of listed) {
      if (!this.agents.has(id) && !this.refused.has(id)) this.open(id);
    }
  }

  private open(graphId: string): void {
    const catalog = this.options.catalog;
    const agent = new GraphAgent({
      ...this.options.agent,
      ...(catalog && {
        nodeTypes: catalog.defs(),
        problems: catalog.problems,
        runtime: { ...this.options.agent?.runtime, findImpl: (type: string) => catalog.find(type) },
      }),
      hub: this.options.hub,
      token: this.options.token,
      graphId,
      workerId: this.options.workerId,
      name: this.options.name,
      version: this.options.version,
      labels: this.options.labels,
      capacity: this.options.capacity,
      log: this.log,
      load: () => this.load(),
    });
    this.agents.set(graphId, agent);
    agent.start();
    void agent.done.then((end) => {
      if (end.kind !== "refused" || !this.options.all) return;
      if (this.agents.get(graphId) === agent) this.agents.delete(graphId);
      this.refused.add(graphId);
      this.log.warn({ graphId }, `dropped graph ${graphId}: ${end.message}`);
    });
  }
}
