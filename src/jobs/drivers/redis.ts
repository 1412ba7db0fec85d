import type { Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Delivery, DriverDeps, JobDriver } from "./driver.ts";

const QUEUE_NAME = "jobs";
/** How long a delivery that arrives during shutdown waits before another worker may take it. */
const HAND_BACK_MS = 1_000;
const UNKNOWN_TYPE_RETRY_MS = 5_000;

/** Loaded on first use: BullMQ and ioredis take a few hundred ms to import, which no SQLite-only run should pay. */
let libraries: Promise<[typeof import("bullmq"), typeof import("ioredis")]> | undefined;
const load = () => (libraries ??= Promise.all([import("bullmq"), import("ioredis")]));

/**
 * Scale-out queue: BullMQ on Redis carries `{ id }` only. The processor claims the row and does nothing when the
 * claim fails, so BullMQ's own redeliveries (stalled jobs after a crash, the sweep's re-sends) can never run a job
 * twice. Retries and backoff stay row-based: BullMQ runs each delivery once (`attempts: 1`).
 */
export class RedisDriver implements JobDriver {
  readonly kind = "redis";
  readonly resendsOverdue = true;
  private connection?: Promise<Redis>;
  private queue?: Promise<Queue>;
  private worker?: Promise<Worker | undefined>;
  private workerConnection?: Redis;
  private stopping = false;

  constructor(
    private readonly deps: DriverDeps,
    private readonly url: string,
    private readonly prefix: string,
  ) {}

  private async connect(): Promise<Redis> {
    const [, { Redis }] = await load();
    const client = new Redis(this.url, { maxRetriesPerRequest: null });
    client.on("error", (error) => this.deps.log.warn({ err: error }, "redis connection error"));
    return client;
  }

  private redis(): Promise<Redis> {
    this.connection ??= this.connect();
    return this.connection;
  }

  /** Created on first use, so one-shot commands that never enqueue never connect. */
  private producer(): Promise<Queue> {
    this.queue ??= (async () => {
      const [{ Queue }] = await load();
      return new Queue(QUEUE_NAME, { connection: await this.redis(), prefix: this.prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 } });
    })();
    return this.queue;
  }

  async deliver(job: Delivery): Promise<void> {
    // One BullMQ id per row and attempt: re-sending the same attempt is a no-op while it waits in Redis.
    const queue = await this.producer();
    await queue.add("run", { id: job.id }, { jobId: `${job.id}-${job.attempts}`, delay: Math.max(0, job.runAt.getTime() - Date.now()) });
  }

  start(): void {
    this.worker ??= (async () => {
      const [{ Worker }] = await load();
      if (this.stopping) return undefined;
      this.workerConnection = await this.connect();
      const worker = new Worker(QUEUE_NAME, (job, token) => this.process(job, token), { connection: this.workerConnection, prefix: this.prefix, concurrency: this.deps.concurrency });
      worker.on("error", (error) => this.deps.log.warn({ err: error }, "job worker error"));
      return worker;
    })();
  }

  private async process(job: Job<{ id: string }>, token: string | undefined): Promise<void> {
    const { store, runner, catalog } = this.deps;
    if (this.stopping) return this.postpone(job, token, Date.now() + HAND_BACK_MS);
    const row = await store.claimById(job.data.id, catalog.names());
    if (row) return runner.run(row);
    // Not claimable. Running or finished: a stale delivery, dropped. Queued: early (wait until it is due), or a
    // type this process cannot run (older code during a rollout): handed back for a process that can.
    const current = await store.get(job.data.id);
    if (current?.status !== "queued") return;
    if (!catalog.get(current.name)) return this.postpone(job, token, Date.now() + UNKNOWN_TYPE_RETRY_MS);
    if (current.runAt.getTime() > Date.now()) return this.postpone(job, token, current.runAt.getTime());
    // Became due between the claim and the read (clock edge): one more try.
    const late = await store.claimById(job.data.id, catalog.names());
    if (late) return runner.run(late);
  }

  private async postpone(job: Job, token: string | undefined, at: number): Promise<never> {
    const [{ DelayedError }] = await load();
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  }

  async stopTaking(): Promise<void> {
    this.stopping = true;
    await (await this.worker)?.pause(true);
  }

  async close(): Promise<void> {
    await (await this.worker)?.close();
    await (await this.queue)?.close();
    for (const client of [this.workerConnection, await this.connection]) await client?.quit().catch(() => client.disconnect());
  }

  readiness() {
    return [{ name: "redis", check: async () => void (await (await this.redis()).ping()) }];
  }
}
