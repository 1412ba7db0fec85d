/**
 * Deliveries share the job workers with reviews. A receiver that hangs until the 8 s timeout must not take them
 * all: each receiver may hold at most `PER_RECEIVER` attempts in flight in this process, and webhooks together at
 * most all but `RESERVED_FOR_OTHER_JOBS` of the worker slots. A delivery over either limit is deferred (handed to
 * a later job without spending an attempt), so the worker slot goes straight back to other work.
 */
export const PER_RECEIVER = 2;
const RESERVED_FOR_OTHER_JOBS = 2;

export class DeliveryLimiter {
  private readonly inFlight = new Map<string, number>();
  private total = 0;

  constructor(private readonly workerSlots: number) {}

  /** True and counted when the receiver (and webhooks as a whole) have room; call `release` when done. */
  tryAcquire(receiver: string): boolean {
    const current = this.inFlight.get(receiver) ?? 0;
    const webhookCap = Math.max(1, this.workerSlots - RESERVED_FOR_OTHER_JOBS);
    if (current >= PER_RECEIVER || this.total >= webhookCap) return false;
    this.inFlight.set(receiver, current + 1);
    this.total++;
    return true;
  }

  release(receiver: string): void {
    const current = this.inFlight.get(receiver) ?? 0;
    if (current <= 1) this.inFlight.delete(receiver);
    else this.inFlight.set(receiver, current - 1);
    this.total = Math.max(0, this.total - 1);
  }
}

/** A short, jittered wait before a deferred delivery is looked at again. */
export function deferDelay(random: () => number = Math.random): number {
  return 200 + Math.round(random() * 600);
}
