import type { Env } from "../../../src/config/env.ts";

/**
 * The part of E2B a coding-agent run uses, as a seam: the provider talks to this, production wires it to the `e2b`
 * SDK (E2B cloud, or a self-hosted E2B through its domain or API URL), tests to a double that runs locally.
 */
export interface E2BClient {
  create(options: { template: string; timeoutMs: number; metadata: Record<string, string> }): Promise<E2BMachine>;
  /** A running (or paused: it resumes) sandbox by id, from any server process. */
  connect(sandboxId: string, timeoutMs: number): Promise<E2BMachine>;
  /** Kills a sandbox by id without connecting to it (true if it existed). */
  kill(sandboxId: string): Promise<boolean>;
}

export interface E2BMachine {
  readonly sandboxId: string;
  /** Runs a shell command (as the template's user). `background` returns once it started. */
  run(command: string, options?: { cwd?: string; envs?: Record<string, string>; background?: boolean; timeoutMs?: number }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  /** The base URL (scheme, host, port) that reaches `port` inside the sandbox. */
  url(port: number): string;
  kill(): Promise<void>;
  pause(): Promise<void>;
}

/** The `e2b` SDK behind the seam; loaded only when the provider is used. */
export async function sdkClient(env: Pick<Env, "E2B_API_KEY" | "E2B_DOMAIN" | "E2B_API_URL">): Promise<E2BClient> {
  const { Sandbox } = await import("e2b");
  const connection = { apiKey: env.E2B_API_KEY, domain: env.E2B_DOMAIN, apiUrl: env.E2B_API_URL, requestTimeoutMs: 30_000 };
  const machine = (sandbox: InstanceType<typeof Sandbox>): E2BMachine => ({
    sandboxId: sandbox.sandboxId,
    async run(command, options = {}) {
      if (options.background) {
        // timeoutMs bounds the whole call, background or not: 0 (no limit) keeps a long-lived server alive.
        await sandbox.commands.run(command, { cwd: options.cwd, envs: options.envs, background: true, timeoutMs: options.timeoutMs ?? 0 });
        return { exitCode: 0, stdout: "", stderr: "" };
      }
      try {
        const result = await sandbox.commands.run(command, { cwd: options.cwd, envs: options.envs, timeoutMs: options.timeoutMs ?? 120_000 });
        return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
      } catch (error) {
        // The SDK throws CommandExitError for a non-zero exit; it carries the same fields.
        const failed = error as { exitCode?: number; stdout?: string; stderr?: string; message?: string };
        if (typeof failed.exitCode === "number") return { exitCode: failed.exitCode, stdout: failed.stdout ?? "", stderr: failed.stderr ?? failed.message ?? "" };
        throw error;
      }
    },
    async writeFile(path, data) {
      await sandbox.files.write(path, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
    },
    readFile: async (path) => sandbox.files.read(path, { format: "bytes" }),
    url: (port) => `https://${sandbox.getHost(port)}`,
    kill: async () => void (await sandbox.kill()),
    pause: async () => void (await sandbox.betaPause()),
  });
  return {
    create: async ({ template, timeoutMs, metadata }) => machine(await Sandbox.create(template, { ...connection, timeoutMs, metadata })),
    // Without a timeout, E2B gives a resumed sandbox its 300 s default: pass the run's own.
    connect: async (sandboxId, timeoutMs) => machine(await Sandbox.connect(sandboxId, { ...connection, timeoutMs })),
    kill: (sandboxId) => Sandbox.kill(sandboxId, connection),
  };
}

let factoryOverride: (() => Promise<E2BClient>) | undefined;

/** Tests replace the SDK at this seam with a double that runs "remote" sandboxes on this machine. */
export function setE2BClientFactory(factory: (() => Promise<E2BClient>) | undefined): void {
  factoryOverride = factory;
}

/** The client the E2B provider uses: the SDK, unless a test put a double in its place. */
export function e2bClient(env: Pick<Env, "E2B_API_KEY" | "E2B_DOMAIN" | "E2B_API_URL">): Promise<E2BClient> {
  return factoryOverride ? factoryOverride() : sdkClient(env);
}
