/**
 * Delay before the next attempt after `attempt` failed: exponential (base·2^(attempt-1)), capped at maxMs, with
 * "equal jitter" (half fixed, half random) so a burst of failures does not retry in lock-step.
 */
export function backoffDelay(attempt: number, backoff: { baseMs: number; maxMs: number }, random: () => number = Math.random): number {
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  const half = exponential / 2;
  return Math.round(half + random() * half);
}
