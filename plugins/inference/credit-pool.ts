import type { AppContext } from "../../src/context.ts";
import { releaseReservation, reserveCredits, settleReservation } from "../../src/credits/index.ts";
import { AppError } from "../../src/errors.ts";

/**
 * Worst-case holds for completions without a database round trip per call. A process reserves a block of a
 * user's credits at once (a real reservation, through src/credits, so enforce mode still refuses what the balance
 * cannot cover and parallel requests, in any process, can never overdraw) and hands out each call's worst case
 * from it in memory. When a call ends, its real cost is counted and the rest of its hold goes back to the block.
 * A block is settled to the sum of its calls' real costs once it is retired (too small for the next call, older
 * than `maxAgeMs`, or idle for `idleMs`) and its last call has ended. Each call's exact cost is also on its
 * `inference_usage` row, whose `reservation_id` names the block, so the ledger and the calls add up.
 *
 * With `leaseCalls` = 1 every call gets its own reservation. When the balance cannot cover a whole block, the
 * call falls back to reserving exactly its own worst case.
 */
export interface PoolSettings {
  /** Worst cases one block holds (1 = a reservation per call). */
  leaseCalls: number;
  idleMs: number;
  maxAgeMs: number;
}

interface Lease {
  reservationId: string;
  userId: string;
  /** Micro-credits of the block not held by a call. */
  free: number;
  /** Real cost of the calls that ended. */
  spent: number;
  calls: number;
  inflight: number;
  openedAt: number;
  /** When a call last ended; the block is retired once it has been quiet for `idleMs`. */
  lastEndedAt: number;
  retired: boolean;
  closed: boolean;
  idle?: ReturnType<typeof setTimeout>;
}

export interface Hold {
  lease: Lease;
  amount: number;
}

export class CreditPools {
  readonly #current = new Map<string, Lease>();
  readonly #opening = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: AppContext,
    private readonly settings: PoolSettings,
    /** Keeps closing settlements visible to shutdown. */
    private readonly track: (settlement: Promise<void>) => void,
  ) {}

  /** Holds `worst` micro-credits for one call; throws INSUFFICIENT_CREDITS (402) in enforce mode. */
  async hold(userId: string, worst: number): Promise<Hold> {
    for (;;) {
      const lease = this.#current.get(userId);
      if (lease && !lease.retired && Date.now() - lease.openedAt >= this.settings.maxAgeMs) this.#retire(lease);
      if (lease && !lease.retired && lease.free >= worst) {
        lease.free -= worst;
        lease.inflight++;
        lease.calls++;
        return { lease, amount: worst };
      }
      const opening = this.#opening.get(userId);
      if (opening) {
        await opening.catch(() => undefined);
        continue;
      }
      if (lease) this.#retire(lease);
      let hold: Hold | undefined;
      const open = this.#open(userId, worst).then((h) => {
        hold = h;
      });
      this.#opening.set(userId, open);
      try {
        await open;
      } finally {
        this.#opening.delete(userId);
      }
      return hold!;
    }
  }

  /** A call ended having cost `cost` (0 when nothing was produced). */
  finish(hold: Hold, cost: number): void {
    const { lease } = hold;
    lease.spent += cost;
    lease.free += hold.amount - cost;
    lease.inflight--;
    if (lease.retired) {
      this.#closeIfDone(lease);
      return;
    }
    lease.lastEndedAt = Date.now();
    // One timer per block, re-armed when it fires, not one per call: at thousands of calls a second the
    // clearTimeout/setTimeout pair per call showed up in profiles.
    lease.idle ??= setTimeout(() => this.#checkIdle(lease), this.settings.idleMs);
  }

  #checkIdle(lease: Lease): void {
    lease.idle = undefined;
    // A call in flight re-arms the check when it ends.
    if (lease.retired || lease.inflight > 0) return;
    const quietFor = Date.now() - lease.lastEndedAt;
    if (quietFor >= this.settings.idleMs) this.#retire(lease);
    else lease.idle = setTimeout(() => this.#checkIdle(lease), this.settings.idleMs - quietFor);
  }

  /** Retires every block; those with no call in flight are settled now (shutdown). */
  drain(): void {
    for (const lease of [...this.#current.values()]) this.#retire(lease);
  }

  async #open(userId: string, worst: number): Promise<Hold> {
    const reference = "inference";
    const block = worst * this.settings.leaseCalls;
    let reservation: { id: string; amount: number };
    try {
      reservation = await reserveCredits(this.ctx, { userId, amount: block, reference });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== "INSUFFICIENT_CREDITS" || block === worst) throw error;
      reservation = await reserveCredits(this.ctx, { userId, amount: worst, reference });
    }
    const lease: Lease = { reservationId: reservation.id, userId, free: reservation.amount - worst, spent: 0, calls: 1, inflight: 1, openedAt: Date.now(), lastEndedAt: 0, retired: false, closed: false };
    if (lease.free > 0) this.#current.set(userId, lease);
    else lease.retired = true;
    return { lease, amount: worst };
  }

  #retire(lease: Lease): void {
    clearTimeout(lease.idle);
    lease.retired = true;
    if (this.#current.get(lease.userId) === lease) this.#current.delete(lease.userId);
    this.#closeIfDone(lease);
  }

  #closeIfDone(lease: Lease): void {
    if (lease.closed || lease.inflight > 0) return;
    lease.closed = true;
    const { ctx } = this;
    const close = lease.spent > 0 ? settleReservation(ctx, { reservationId: lease.reservationId, amount: lease.spent }) : releaseReservation(ctx, lease.reservationId);
    this.track(close.then(
      () => undefined,
      (error) => ctx.log.error({ err: error, reservation: lease.reservationId }, "inference: could not settle a credit block"),
    ));
  }
}
