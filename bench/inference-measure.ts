import { type Generator, type LoadResult, runLoad } from "./load-generators.ts";

/** Measurement helpers for bench/inference.ts. */
export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The model name this target expects. */
  model: string;
  /** Streaming is not measured (it fails on this target). */
  noStream?: string;
}

export interface Quantiles {
  p50: number;
  p99: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summarize = (samples: number[]): Quantiles => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
};

const bodyFor = (target: Target, messages: unknown[], stream: boolean) =>
  JSON.stringify({ model: target.model, messages, max_tokens: 64, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });

/** One non-streamed call: milliseconds until the whole answer is read. */
async function once(target: Target, body: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(target.url, { method: "POST", headers: { ...target.headers, "content-type": "application/json" }, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${target.name}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return performance.now() - started;
}

/** One streamed call: milliseconds until the first content token arrives (the rest is read, not timed). */
async function firstToken(target: Target, body: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(target.url, { method: "POST", headers: { ...target.headers, "content-type": "application/json" }, body });
  if (res.status !== 200) throw new Error(`${target.name}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  const decoder = new TextDecoder();
  let seen = "";
  let ttft = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (!ttft) {
      seen += decoder.decode(chunk, { stream: true });
      if (seen.includes('"content":"The quick"')) ttft = performance.now() - started;
    }
  }
  if (!ttft) throw new Error(`${target.name}: no content token in the stream`);
  return ttft;
}

/**
 * Sequential requests, per target and mode: p50/p99 in ms. Each target gets runs of consecutive requests (a
 * steady client, as one agent loop is), and the runs alternate across targets in rounds, so a noisy moment on
 * this machine is spread over all of them instead of landing on one.
 */
export async function sequential(targets: Target[], messages: unknown[], requests: number, rounds = 4): Promise<Record<string, { json: Quantiles; ttft: Quantiles }>> {
  const samples = Object.fromEntries(targets.map((t) => [t.name, { json: [] as number[], ttft: [] as number[] }]));
  const perRound = Math.ceil(requests / rounds);
  const warmUp = 50;
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      const json = bodyFor(target, messages, false);
      const stream = bodyFor(target, messages, true);
      for (let i = 0; i < warmUp + perRound; i++) {
        const took = await once(target, json);
        if (i >= warmUp) samples[target.name].json.push(took);
      }
      for (let i = 0; i < warmUp + perRound; i++) {
        const took = target.noStream ? Number.NaN : await firstToken(target, stream);
        if (i >= warmUp) samples[target.name].ttft.push(took);
      }
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, { json: summarize(s.json), ttft: summarize(s.ttft) }]));
}


/**
 * Max throughput per target: each is warmed up (its JIT settled: critique needs ~15 s of load for that, so the
 * default warm-up is generous), then measured in `rounds` rounds that alternate across targets, so a slow moment on
 * this shared machine lands on one round of every target rather than on one target. Each target's figure is its
 * median round; errors are summed over all rounds.
 */
export async function throughput(
  targets: Target[],
  messages: unknown[],
  options: { generator: Generator; connections: number; warmup: number; seconds: number; rounds: number },
): Promise<Record<string, LoadResult & { rounds: number[] }>> {
  const load = (target: Target, seconds: number) =>
    runLoad(options.generator, { url: target.url, headers: { ...target.headers, "content-type": "application/json" }, body: bodyFor(target, messages, false), connections: options.connections, seconds });
  const runs: Record<string, LoadResult[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (const target of targets) {
    console.log(`load: warming up ${target.name} for ${options.warmup} s …`);
    await load(target, options.warmup);
  }
  for (let round = 1; round <= options.rounds; round++) {
    console.log(`load: round ${round} of ${options.rounds}, ${options.seconds} s per target, ${options.connections} connections (${options.generator}) …`);
    for (const target of targets) runs[target.name].push(await load(target, options.seconds));
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, results]) => {
      const median = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(results.length / 2)];
      const sum = (key: "non2xx" | "errors") => results.reduce((total, r) => total + r[key], 0);
      return [name, { ...median, non2xx: sum("non2xx"), errors: sum("errors"), rounds: results.map((r) => Math.round(r.requestsPerSecond)) }];
    }),
  );
}
