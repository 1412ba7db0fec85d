import type { AppContext } from "../../src/context.ts";
import { creditsMode, releaseReservation, reserveCredits, settleReservation } from "../../src/credits/index.ts";
import { AppError } from "../../src/errors.ts";

/**
 * Worst-case holds for completions without a database round trip per call. A process reserves a block of a
 * user's credits at once (a real reservation, through src/credits, so enforce mode still refuses what the balance
 * cannot cover and parallel requests, in any process, can never overdraw) and hands out each call's worst case
 * from it in memory. When a call ends, its real cost is counted and the rest of its hold goes back to the block.
 * A block is settled to the sum of its calls' real costs once it is retired (too small for the next call, older
 * than `maxAgeMs`, or idle for `idleMs`) and its last call has ended. Each call's exact cost is also on its
 * `inference_usage` row, whose `reservation_id` names the block, so the ledger and the calls add up. A block
 * still open when its process dies is reclaimed at the sum of those rows (reclaim.ts, src/credits/reclaim.ts).
 *
 * Block sizes follow each user's pace. The first holds `leaseCalls` worst cases; when a block is retired for age
 * or for being used up, the next holds twice as many if its calls filled at least half of it (up to
 * `maxLeaseCalls` and, in enforce mode, half of what the balance had left), half as many otherwise. So a user at
 * thousands of calls a second costs a few reservations (database transactions) a second, not a hundred, and a
 * small balance is never locked up in one process's block. An idle block starts the user over at `leaseCalls`.
 *
 * With `leaseCalls` = 1 every call gets its own reservation (blocks never grow). When the balance cannot cover a
 * whole block, the call falls back to reserving exactly its own worst case.
 */
export interface PoolSettings {
  /** Worst cases a user's first block holds (1 = a reservation per call)… */
  leaseCalls: number;
  /** …and at most, for a user whose blocks keep running out. */
  maxLeaseCalls: number;
  idleMs: number;
  maxAgeMs: number;
}

interface Lease {
  reservationId: string;
  userId: string;
  /** Worst cases it was opened for. */
  size: number;
  /** The user's balance once it was reserved. */
  balanceAfter: number;
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
  /** Worst cases the user's next block holds, for users above `leaseCalls` (see the class comment). */
  readonly #nextSize = new Map<string, number>();

  constructor(
    private readonly ctx: AppContext,
    private readonly settings: PoolSettings,
    /** Keeps closing settlements visible to shutdown. */
    private readonly track: (settlement: Promise<void>) => void,
    /** Resolves once the usage rows of the calls that ended so far are written; a block is settled after it. */
    private readonly rowsWritten: () => Promise<void> = async () => undefined,
  ) {}

  /** Holds `worst` micro-credits for one call; throws INSUFFICIENT_CREDITS (402) in enforce mode. */
  async hold(userId: string, worst: number): Promise<Hold> {
    for (;;) {
      const lease = this.#current.get(userId);
      if (lease && Date.now() - lease.openedAt >= this.settings.maxAgeMs) {
        this.#resize(lease, worst);
        this.#retire(lease);
      }
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
      if (lease && !lease.retired) {
        this.#resize(lease, worst);
        this.#retire(lease);
      }
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
    if (quietFor >= this.settings.idleMs) {
      this.#nextSize.delete(lease.userId);
      this.#retire(lease);
    } else lease.idle = setTimeout(() => this.#checkIdle(lease), this.settings.idleMs - quietFor);
  }

  /** Retires every block; those with no call in flight are settled now (shutdown). */
  drain(): void {
    for (const lease of [...this.#current.values()]) this.#retire(lease);
  }

  async #open(userId: string, worst: number): Promise<Hold> {
    const reference = "inference";
    let size = this.#nextSize.get(userId) ?? this.settings.leaseCalls;
    let reservation: { id: string; amount: number; balance: number };
    try {
      reservation = await reserveCredits(this.ctx, { userId, amount: worst * size, reference });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== "INSUFFICIENT_CREDITS" || size === 1) throw error;
      this.#nextSize.delete(userId);
      size = 1;
      reservation = await reserveCredits(this.ctx, { userId, amount: worst, reference });
    }
    const lease: Lease = {
      reservationId: reservation.id,
      userId,
      size,
      balanceAfter: reservation.balance,
      free: reservation.amount - worst,
      spent: 0,
      calls: 1,
      inflight: 1,
      openedAt: Date.now(),
      lastEndedAt: 0,
      retired: false,
      closed: false,
    };
    if (lease.free > 0) this.#current.set(userId, lease);
    else lease.retired = true;
    return { lease, amount: worst };
  }

  /**
   * The size of the user's next block, as `lease` is retired for age or for being used up: twice its size when its
   * calls filled at least half of it (up to `maxLeaseCalls`), half its size when they filled less. When credits are
   * enforced it is halved further while it would hold more than half of what the balance had left.
   */
  #resize(lease: Lease, worst: number): void {
    const { leaseCalls, maxLeaseCalls } = this.settings;
    if (leaseCalls === 1) return; // one reservation per call, as configured
    const busy = lease.calls * 2 >= lease.size;
    let size = busy ? Math.min(lease.size * 2, maxLeaseCalls) : Math.floor(lease.size / 2);
    if (creditsMode(this.ctx) === "enforce") while (size > leaseCalls && size * worst > lease.balanceAfter / 2) size = Math.floor(size / 2);
    if (size <= leaseCalls) this.#nextSize.delete(lease.userId);
    else this.#nextSize.set(lease.userId, size);
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
    const close = this.rowsWritten().then(() => (lease.spent > 0 ? settleReservation(ctx, { reservationId: lease.reservationId, amount: lease.spent }) : releaseReservation(ctx, lease.reservationId)));
    this.track(close.then(
      (closing) => {
        // Reclaimed while this process was alive but had not renewed in time (src/credits/leases.ts).
        if (closing.alreadyClosed) ctx.log.warn({ reservation: lease.reservationId, spent: lease.spent, charged: closing.reservation.charged }, "inference: a credit block was closed before its holder settled it");
      },
      (error) => ctx.log.error({ err: error, reservation: lease.reservationId }, "inference: could not settle a credit block"),
    ));
  }
}
