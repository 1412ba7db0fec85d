import { hostname } from "node:os";

/**
 * Which server process holds a run's sandbox: `<host>:<pid>:<random>` (the random part tells two servers in one
 * process apart, as tests run them).
 */
export function newHolderId(): string {
  return `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
}

/** Whether the holder is known to be gone: only one on this machine can be checked; one elsewhere is not "gone". */
export function holderIsGone(holder: string | null): boolean {
  if (!holder) return true;
  const [host, pid] = holder.split(":");
  if (host !== hostname()) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== "EPERM";
  }
}
