// One client stream to a gofi service: opens messages.Gofi/Send, matches answers to requests in order (FIFO),
// and reopens the stream with backoff when it ends. Every grpc-js error is handled here; none escapes.
import {
  type ChannelOptions,
  Client,
  type ClientDuplexStream,
  connectivityState as ConnectivityState,
  credentials,
  type ServiceError,
  status as Status,
  type StatusObject,
} from "@grpc/grpc-js";
import { formatDuration } from "../../../shared/nodeTypes.ts";
import type { NodeLogger } from "../../../shared/sdk.ts";
import { type BackoffOptions, backoffDelay } from "../../backoff.ts";
import { type GofiMessage, gofiSendMethod } from "./gofiProto.ts";

/** Reopening a broken stream waits about 100 ms, then twice as long each time it fails again, up to 10 s. */
export const RECONNECT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 10_000 };

type Stream = ClientDuplexStream<GofiMessage, GofiMessage>;

/** Where the stream is: one state at a time, the call (if any) inside the state that has it. */
type Link =
  | { state: "idle" }
  | { state: "connecting" | "open"; call: Stream; openedAt?: number }
  | { state: "waiting"; timer: NodeJS.Timeout }
  | { state: "closed" };
type CallLink = Extract<Link, { call: Stream }>;

interface Pending {
  readonly id: string;
  readonly timer: NodeJS.Timeout;
  resolve(answer: GofiMessage): void;
  reject(error: Error): void;
}

interface OpenWaiter {
  resolve(): void;
  reject(error: Error): void;
}

export interface ConnectionOptions {
  /** host:port of the service. */
  address: string;
  tls: boolean;
  log: NodeLogger;
  /** An answer that came with no request waiting for it (the service answered one message twice). */
  onStray(answer: GofiMessage): void;
  /** Jitter for the reconnect backoff (tests pass a seeded one). */
  random?: () => number;
}

const CHANNEL_OPTIONS: ChannelOptions = {
  // The channel's own reconnects follow the node's backoff instead of grpc-js's 1 s … 120 s.
  "grpc.initial_reconnect_backoff_ms": RECONNECT_BACKOFF.initialMs,
  "grpc.max_reconnect_backoff_ms": RECONNECT_BACKOFF.maxMs,
  // Each node has its own connection, closed with it (no subchannel shared with another node).
  "grpc.use_local_subchannel_pool": 1,
};

export class GofiConnection {
  private readonly client: Client;
  private link: Link = { state: "idle" };
  private readonly fifo: Pending[] = [];
  private readonly waiters = new Set<OpenWaiter>();
  /** Attempts that failed since the last answer: the next backoff step. */
  private failures = 0;
  private lastError: string | undefined;
  private everOpen = false;

  /** Throws when grpc-js refuses the address outright (it is not a target it can parse). */
  constructor(private readonly options: ConnectionOptions) {
    const creds = options.tls ? credentials.createSsl() : credentials.createInsecure();
    this.client = new Client(options.address, creds, CHANNEL_OPTIONS);
  }

  /** Opens the stream; rejects, and closes everything, if the service is not reached within `timeoutMs`. */
  async connect(timeoutMs: number): Promise<void> {
    if (this.link.state !== "idle") throw new Error("grpc: connect() called twice");
    this.attempt();
    try {
      await this.waitOpen(
        timeoutMs,
        () =>
          new Error(
            `grpc: cannot reach ${this.options.address} within ${formatDuration(timeoutMs)}: ${this.lastError ?? "no answer yet (still connecting)"}`,
          ),
      );
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /**
   * Sends one message and resolves with the answer that follows it in the stream. Waits for a broken stream
   * to come back first; `timeoutMs` bounds the wait and the answer together. A message without an answer by
   * then fails, and the stream is reopened so that a late answer is never taken for the next message's.
   */
  async request(id: string, message: GofiMessage, timeoutMs: number): Promise<GofiMessage> {
    const deadline = Date.now() + timeoutMs;
    const address = this.options.address;
    await this.waitOpen(
      timeoutMs,
      () =>
        new Error(
          `grpc: no connection to ${address} for ${formatDuration(timeoutMs)} (the timeout), message ${id} not sent: ${this.lastError ?? "still connecting"}`,
        ),
    );
    const link = this.link;
    if (link.state !== "open") {
      throw new Error(`grpc: the stream to ${address} broke before message ${id} was sent: ${this.lastError ?? ""}`);
    }
    return new Promise<GofiMessage>((resolve, reject) => {
      const pending: Pending = {
        id,
        resolve,
        reject,
        timer: setTimeout(() => this.answerTimedOut(link, pending, timeoutMs), Math.max(1, deadline - Date.now())),
      };
      this.fifo.push(pending);
      try {
        link.call.write(message);
      } catch (error) {
        this.endLink(link, `writing failed: ${errorText(error)}`, true);
      }
    });
  }

  /** Closes the stream and the channel; what was waiting fails. Safe to call more than once. */
  close(): void {
    const link = this.link;
    if (link.state === "closed") return;
    this.link = { state: "closed" };
    if (link.state === "waiting") clearTimeout(link.timer);
    if (link.state === "connecting" || link.state === "open") link.call.cancel();
    this.failAll((id) => `grpc: the node stopped before the answer to message ${id} from ${this.options.address}`);
    const stopped = new Error(`grpc: the node stopped before the connection to ${this.options.address} was open`);
    for (const waiter of [...this.waiters]) waiter.reject(stopped);
    this.waiters.clear();
    this.client.close();
  }

  /** The channel's state (READY, TRANSIENT_FAILURE, SHUTDOWN, …), for status and tests. */
  channelState(): string {
    return ConnectivityState[this.client.getChannel().getConnectivityState(false)];
  }

  private attempt(): void {
    let call: Stream;
    try {
      const send = gofiSendMethod();
      call = this.client.makeBidiStreamRequest(send.path, send.requestSerialize, send.responseDeserialize);
    } catch (error) {
      this.lastError = errorText(error);
      this.scheduleAttempt();
      return;
    }
    const link: CallLink = { state: "connecting", call };
    this.link = link;
    call.on("data", (answer: GofiMessage) => this.onAnswer(link, answer));
    // grpc-js emits 'error' for a status other than OK, then 'status': both are handled, the first one counts.
    call.on("error", (error: ServiceError) => this.endLink(link, statusText(error), false));
    call.on("status", (status: StatusObject) =>
      this.endLink(link, status.code === Status.OK ? "the service closed the stream" : statusText(status), false),
    );
    this.watchReady(link);
  }

  /** The link is open once the channel is READY with the call alive (gofi services send nothing first). */
  private watchReady(link: CallLink): void {
    const channel = this.client.getChannel();
    const check = () => {
      if (this.link !== link || link.state !== "connecting") return;
      const state = channel.getConnectivityState(true);
      if (state === ConnectivityState.READY) {
        link.state = "open";
        link.openedAt = Date.now();
        if (this.everOpen && this.failures > 0)
          this.options.log.info({ address: this.options.address }, "grpc: stream reopened");
        this.everOpen = true;
        for (const waiter of [...this.waiters]) waiter.resolve();
        this.waiters.clear();
        return;
      }
      if (state === ConnectivityState.SHUTDOWN) return;
      channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, check);
    };
    check();
  }

  private onAnswer(link: CallLink, answer: GofiMessage): void {
    if (this.link !== link) return; // a stream given up on: its late answers belong to no request
    this.failures = 0;
    const pending = this.fifo.shift();
    if (!pending) {
      this.options.onStray(answer);
      return;
    }
    clearTimeout(pending.timer);
    pending.resolve(answer);
  }

  private answerTimedOut(link: Link, pending: Pending, timeoutMs: number): void {
    const at = this.fifo.indexOf(pending);
    if (at < 0) return;
    this.fifo.splice(at, 1);
    pending.reject(
      new Error(
        `grpc: no answer from ${this.options.address} within ${formatDuration(timeoutMs)} (the timeout) to message ${pending.id}; the stream is reopened`,
      ),
    );
    if (this.link === link && (link.state === "connecting" || link.state === "open")) {
      this.endLink(link, `no answer within ${formatDuration(timeoutMs)}`, true);
    }
  }

  /** The stream `link` ended (or is given up on, `cancel`): what waited on it fails; a new one is scheduled. */
  private endLink(link: CallLink, why: string, cancel: boolean): void {
    if (this.link !== link) return;
    const wasOpen = link.state === "open";
    this.lastError = why;
    // A stream that stayed open a while proved the service works: the backoff starts over.
    if (link.openedAt !== undefined && Date.now() - link.openedAt >= RECONNECT_BACKOFF.maxMs) this.failures = 0;
    // The link is replaced first, so the status that cancel() raises finds it stale. A stream the node gave up
    // on itself (the service is up but silent) is reopened at once the first time.
    const delay = this.scheduleAttempt(cancel && this.failures === 0);
    if (cancel) link.call.cancel();
    this.failAll(
      (id) => `grpc: the stream to ${this.options.address} ended before the answer to message ${id}: ${why}`,
    );
    const log = { address: this.options.address, reason: why, retryInMs: delay };
    if (wasOpen) this.options.log.warn(log, "grpc: stream ended; reopening it");
    else this.options.log.debug(log, "grpc: could not open the stream");
  }

  private scheduleAttempt(atOnce = false): number {
    const delay = atOnce ? 0 : backoffDelay(this.failures, RECONNECT_BACKOFF, this.options.random);
    this.failures += 1;
    const link: Link = {
      state: "waiting",
      timer: setTimeout(() => {
        if (this.link === link) this.attempt();
      }, delay),
    };
    this.link = link;
    return delay;
  }

  private waitOpen(timeoutMs: number, timedOut: () => Error): Promise<void> {
    if (this.link.state === "open") return Promise.resolve();
    if (this.link.state === "closed") return Promise.reject(new Error("grpc: the node is stopped"));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(timedOut());
      }, timeoutMs);
      const waiter: OpenWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  private failAll(why: (id: string) => string): void {
    for (const pending of this.fifo.splice(0)) {
      clearTimeout(pending.timer);
      pending.reject(new Error(why(pending.id)));
    }
  }
}

/** A status as one line: its name, code and details (without grpc-js's empty "Resolution note"). */
export function statusText(status: { code: number; details: string }): string {
  const name = Status[status.code] ?? "UNKNOWN";
  const details = status.details
    .replace(/\s+/g, " ")
    .replace(/[.:]? Resolution note: ?$/, "")
    .trim();
  return `${name} (code ${status.code}): ${details || "no details"}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
