/**
 * Measures `/healthz` latency every ~10 ms while something else loads the server (bench/abuse.ts, test/abuse.*).
 * The prober is its own process: in the process that attacks (or that hosts an in-process server) a blocked event
 * loop would also hold back the probe's timer, and a stall would go unseen instead of measured.
 *
 *   bun test/helpers/healthz-probe.ts <base url> [interval ms]   (prints one latency in ms per line)
 */
const PROBE_TIMEOUT_MS = 10_000;

export interface ProbeReport {
  /** Latency of each probe in ms, in order; a failed or timed-out probe counts as its time until failure. */
  latencies: number[];
  /** Probes that did not answer 200 {"status":"ok"}. */
  failures: number;
  median: number;
  worst: number;
}

export interface Probe {
  /** Resolves once the prober has sent its first answered probe (so the attack starts under measurement). */
  ready: Promise<void>;
  stop(): Promise<ProbeReport>;
}

export function startProbe(baseUrl: string, intervalMs = 10): Probe {
  const proc = Bun.spawn([process.execPath, import.meta.path, baseUrl, String(intervalMs)], { stdout: "pipe", stderr: "inherit" });
  const lines: string[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const reading = (async () => {
    let rest = "";
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
      rest += new TextDecoder().decode(chunk);
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts.filter(Boolean));
      if (lines.length) markReady();
    }
  })();
  return {
    ready,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      await reading;
      return summarize(lines);
    },
  };
}

function summarize(lines: string[]): ProbeReport {
  const latencies = lines.map((line) => Math.abs(Number(line)));
  const sorted = [...latencies].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length === 0 ? Number.NaN : sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  // Failures are written as negative latencies.
  return { latencies, failures: lines.filter((line) => line.startsWith("-")).length, median, worst: sorted.at(-1) ?? Number.NaN };
}

/** One probe after another (never two at once, so a slow answer is one long sample, not a pile of them). */
async function probeLoop(baseUrl: string, intervalMs: number) {
  for (;;) {
    const started = performance.now();
    let ok = false;
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      ok = response.status === 200 && ((await response.json()) as { status?: string }).status === "ok";
    } catch {}
    const ms = performance.now() - started;
    process.stdout.write(`${ok ? "" : "-"}${ms.toFixed(2)}\n`);
    await Bun.sleep(Math.max(0, intervalMs - ms));
  }
}

if (import.meta.main) {
  process.on("SIGTERM", () => process.exit(0));
  await probeLoop(process.argv[2]!, Number(process.argv[3] ?? 10));
}
