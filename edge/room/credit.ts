// Back-pressure as credit (DELIVERY-7): what each producer port may publish, from the free room of the edges
// it feeds and, with a room rate, paid for from one token bucket for the whole room.
import { LIMITS } from "../../shared/limits.ts";
import { ERROR_PORT } from "../../shared/ports.ts";
import type { RoomFrame } from "../../shared/protocol.ts";
import type { Holder } from "./broker.ts";
import { TokenBucket } from "./limiter.ts";

/** Credit of a port no edge leaves: publish freely (its messages go nowhere). */
export const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** The least free room of the edges a port feeds (UNLIMITED when none), and the smallest grant worth sending. */
export interface FreeRoom {
  messages: number;
  bytes: number;
  threshold: number;
}

/** Credit given to one producer port on one connection and epoch. */
export interface Credit {
  workerId: string;
  connId: string;
  epoch: number;
  /** Messages and bytes received from it under this grant. */
  received: number;
  receivedBytes: number;
  /** The limits last sent: it may publish until `received` reaches them. They only grow. */
  limit: number;
  limitBytes: number;
}

export interface CreditPorts {
  now(): number;
  send(connId: string, frame: RoomFrame): void;
  freeRoom(nodeId: string, port: string): FreeRoom;
  /** Whether the process a credit was given to still holds the node (stopping, flushing, included). */
  holds(nodeId: string, credit: Credit): boolean;
}

export class Credits {
  private readonly credits = new Map<string, Credit>();
  /** The room's message rate (0: unlimited) and the token bucket credit is paid from (RoomConfig.maxRate). */
  private readonly bucketSize: number;
  private readonly bucket: TokenBucket | undefined;
  /**
   * Producers whose grant the bucket cut short, in the order they asked. While any wait, credit is handed
   * out only by refill(), an equal share to each in turn, so a producer that publishes all the time cannot
   * take every token as it trickles in and starve a slower one.
   */
  private readonly waiting = new Set<string>();

  constructor(
    private readonly ports: CreditPorts,
    private readonly rate: number,
  ) {
    this.bucketSize = Math.max(2 * LIMITS.maxBatchMessages, Math.ceil(rate / 4));
    this.bucket = rate > 0 ? new TokenBucket({ perSecond: rate, burst: this.bucketSize }, ports.now()) : undefined;
  }

  /** Counts what a producer sent under its current grant. */
  received(nodeId: string, port: string, connId: string, epoch: number, messages: number, bytes: number): void {
    const credit = this.credits.get(creditKey(nodeId, port));
    if (!credit || credit.connId !== connId || credit.epoch !== epoch) return;
    credit.received += messages;
    credit.receivedBytes += bytes;
    // Paced by the room rate, a producer that has used up its credit asks the next refill for more; it does
    // not wait for its consumers to acknowledge.
    if (this.bucket && port !== ERROR_PORT && credit.limit - credit.received < LIMITS.maxBatchMessages) {
      this.waiting.add(creditKey(nodeId, port));
    }
  }

  /** Forgets the credits of processes of `nodeId` that no longer hold it. */
  forgetStale(nodeId: string): void {
    for (const [key, credit] of [...this.credits]) {
      if (key.startsWith(`${nodeId}\u0000`) && !this.ports.holds(nodeId, credit)) {
        this.credits.delete(key);
        this.waiting.delete(key);
      }
    }
  }

  refresh(nodeId: string, port: string): void {
    this.refreshKey(creditKey(nodeId, port));
  }

  /** Refreshes the credit under a key made by creditKey (the broker files producers by it). */
  refreshKey(key: string): void {
    const credit = this.credits.get(key);
    if (!credit) return;
    const [nodeId, port] = parseCreditKey(key);
    this.send(nodeId, port, credit, false);
  }

  clear(): void {
    this.credits.clear();
    this.waiting.clear();
  }

  /** Sends a first grant (a new producer on this connection and epoch) or a larger one. */
  grant(nodeId: string, port: string, holder: Holder): void {
    const key = creditKey(nodeId, port);
    let credit = this.credits.get(key);
    if (!credit || credit.connId !== holder.connId || credit.epoch !== holder.epoch) {
      credit = {
        workerId: holder.workerId,
        connId: holder.connId,
        epoch: holder.epoch,
        received: 0,
        receivedBytes: 0,
        limit: -1,
        limitBytes: -1,
      };
      this.credits.set(key, credit);
    }
    this.send(nodeId, port, credit, true);
  }

  /**
   * Sends a larger grant when one is due (always when `force`). With a room rate, `share` is what refill()
   * offers this producer from the bucket; without it, the producer takes from the bucket only when nobody
   * waits. Returns whether the producer got all it asked for (false: it waits for a refill).
   */
  private send(nodeId: string, port: string, credit: Credit, force: boolean, share?: number): boolean {
    const key = creditKey(nodeId, port);
    const { messages, bytes, threshold } = this.ports.freeRoom(nodeId, port);
    // No free room (a paused channel) grants nothing, even to a producer that overshot its last limit.
    const room = messages > 0 && bytes > 0;
    const base = Math.max(credit.limit, credit.received);
    let limit = Math.max(credit.limit, 0);
    // Failed messages reach `error` from the room (ERROR-1); what a node emits there itself is rare and is
    // not paid from the room's bucket, so an idle error port hoards no tokens.
    const paced = this.rate > 0 && port !== ERROR_PORT;
    if (room) {
      if (!paced) limit = Math.max(limit, messages === UNLIMITED ? UNLIMITED : credit.received + messages);
      // With a room rate, a grant is at most one bucket's worth; a port no edge leaves gets a batch at a time.
      else {
        const want = messages === UNLIMITED ? LIMITS.maxBatchMessages : credit.received + messages - base;
        limit = Math.max(limit, base + Math.min(want, this.bucketSize));
      }
    }
    const limitBytes = room
      ? Math.max(credit.limitBytes, bytes === UNLIMITED ? UNLIMITED : credit.receivedBytes + bytes)
      : Math.max(credit.limitBytes, 0);
    const grew = limit > credit.limit || limitBytes > credit.limitBytes;
    // Small increases wait until they add up or the producer is about to run out (fewer frames).
    const starved =
      credit.limit - credit.received < threshold || credit.limitBytes - credit.receivedBytes < LIMITS.maxFrameBytes;
    // Paced by a room rate, only a producer about to run out is granted more, so idle ones hoard no tokens.
    const worth = paced ? starved : limit - credit.limit >= threshold || starved;
    if (!force && !(grew && worth)) return true;
    let satisfied = true;
    if (this.bucket && paced && limit > base) {
      // The room's rate (RoomConfig.maxRate): credit is paid for from a token bucket, so no source, however
      // fast, makes one graph's room take more than its share of the hub (DELIVERY-7).
      const wanted = limit - base;
      const othersWait = this.waiting.size > (this.waiting.has(key) ? 1 : 0);
      const offered = share ?? (othersWait ? 0 : wanted);
      const granted = this.bucket.takeUpTo(Math.min(wanted, offered), this.ports.now());
      satisfied = granted >= wanted;
      if (satisfied) this.waiting.delete(key);
      else this.waiting.add(key);
      limit = granted > 0 ? base + granted : Math.max(credit.limit, 0);
      if (limit <= credit.limit && limitBytes <= credit.limitBytes && !force) return satisfied;
    }
    credit.limit = limit;
    credit.limitBytes = limitBytes;
    this.ports.send(credit.connId, {
      type: "credit",
      nodeId,
      epoch: credit.epoch,
      port,
      messages: limit,
      bytes: limitBytes,
    });
    return satisfied;
  }

  /** When the bucket holds a twentieth of a second's worth again (at most a batch), if a producer waits. */
  refillAt(): number | null {
    if (this.waiting.size === 0 || !this.bucket) return null;
    return this.bucket.holdsAt(Math.min(LIMITS.maxBatchMessages, Math.ceil(this.rate / 20)));
  }

  /**
   * The bucket has refilled: the waiting producers share what it holds equally, in the order they asked.
   * One still short goes to the back of the line; one no longer asking leaves it.
   */
  refill(): void {
    if (!this.bucket) return;
    const line = [...this.waiting];
    this.waiting.clear();
    for (const [i, key] of line.entries()) {
      const credit = this.credits.get(key);
      if (!credit) continue;
      const [nodeId, port] = parseCreditKey(key);
      const share = Math.ceil(this.bucket.holds(this.ports.now()) / (line.length - i));
      if (!this.send(nodeId, port, credit, false, share)) this.waiting.add(key);
    }
  }
}

export function creditKey(nodeId: string, port: string): string {
  return `${nodeId}\u0000${port}`;
}

function parseCreditKey(key: string): [nodeId: string, port: string] {
  return key.split("\u0000") as [string, string];
}
