import type { AppContext } from "../../../src/context.ts";
import type { E2BClient, E2BMachine } from "./e2b-client.ts";
import type { AgentProcess, Sandbox, SandboxProvider, WorkspaceControl } from "./provider.ts";

/** One shell word, quoted for `sh` (E2B runs commands through a shell). */
export const shellQuote = (word: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/**
 * Sandboxes on E2B (cloud, or self-hosted: E2B_DOMAIN, plus E2B_API_URL when the API is elsewhere): one per run from the configured
 * template (git, tar and OpenCode installed). Any server process can reach a run's sandbox by its id, so a
 * follow-up or a restart reconnects instead of losing it. The agent calls this server's Inference API over the
 * network (`codingAgent.e2b.serverUrl`, default CRITIQUE_PUBLIC_URL), with the run's own key.
 */
export class E2BProvider implements SandboxProvider {
  readonly name = "e2b" as const;
  readonly #held = new Map<string, E2BSandbox>();
  #client: Promise<E2BClient> | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly makeClient: () => Promise<E2BClient>,
  ) {}

  #api(): Promise<E2BClient> {
    this.#client ??= this.makeClient();
    return this.#client;
  }

  availability() {
    return this.ctx.config.env.E2B_API_KEY ? { usable: true, reason: null } : { usable: false, reason: "E2B_API_KEY is not set" };
  }

  /** E2B ends a sandbox at its timeout on its own: the longest a run can last, so one this server lost is still freed. */
  #lifetimeMs(): number {
    const settings = this.ctx.config.file.codingAgent;
    return Math.min(24 * 60 * 60_000, (settings.limits.maxMinutes * 60 + settings.idleTtlSeconds * settings.limits.maxTurns + 600) * 1_000);
  }

  async create(runId: string): Promise<Sandbox> {
    const machine = await (await this.#api()).create({ template: this.ctx.config.file.codingAgent.e2b.template, timeoutMs: this.#lifetimeMs(), metadata: { critiqueRunId: runId } });
    return this.#hold(runId, machine);
  }

  heldRunIds(): string[] {
    return [...this.#held.keys()];
  }

  find(runId: string): Sandbox | undefined {
    return this.#held.get(runId);
  }

  async reattach(runId: string, sandboxId: string): Promise<Sandbox | undefined> {
    const held = this.#held.get(runId);
    if (held) return held;
    const machine = await (await this.#api()).connect(sandboxId, this.#lifetimeMs()).catch(() => undefined);
    return machine && this.#hold(runId, machine, true);
  }

  async discard(runId: string, _owner: string | null, sandboxId: string | null): Promise<void> {
    if (this.#held.has(runId) || !sandboxId) return;
    await (await this.#api()).kill(sandboxId).catch((error) => this.ctx.log.warn({ err: error, runId, sandboxId }, "coding agent: could not kill the E2B sandbox"));
  }

  async stopAll(): Promise<void> {
    // E2B sandboxes outlive this process on purpose (another process, or this one restarted, reconnects): only forget them.
    this.#held.clear();
  }

  #hold(runId: string, machine: E2BMachine, running = false): E2BSandbox {
    const sandbox = new E2BSandbox(this.ctx, runId, machine, running, () => this.#held.delete(runId));
    this.#held.set(runId, sandbox);
    return sandbox;
  }
}

class E2BSandbox implements Sandbox {
  readonly id: string;
  readonly workspacePath: string;
  readonly control: WorkspaceControl;
  readonly inferenceBaseUrl: string;
  readonly agentBinary: string;
  readonly agentPort: number;
  startTimings: { queuedMs: number; sandboxMs: number; agentMs: number } | undefined;
  #stopped = false;

  constructor(
    private readonly ctx: AppContext,
    readonly runId: string,
    private readonly machine: E2BMachine,
    private agentStarted: boolean,
    private readonly forget: () => void,
  ) {
    const settings = ctx.config.file.codingAgent.e2b;
    this.id = machine.sandboxId;
    this.workspacePath = settings.workspaceDir;
    this.agentBinary = settings.opencodePath;
    this.agentPort = settings.agentPort;
    this.inferenceBaseUrl = `${(settings.serverUrl ?? ctx.config.publicUrl).replace(/\/+$/, "")}/api/v1`;
    this.control = {
      workspaceDir: settings.workspaceDir,
      privateDir: `${settings.workspaceDir.replace(/\/+$/, "")}.critique`,
      exec: async (argv, env) => {
        const result = await machine.run(argv.map(shellQuote).join(" "), { cwd: "/", envs: env });
        if (result.exitCode !== 0) throw new Error(`${argv[0]} failed (${result.exitCode}): ${result.stderr.trim().slice(0, 500)}`);
        return result.stdout;
      },
      writeFile: (path, data) => machine.writeFile(path, data),
      readFile: async (path) => Buffer.from(await machine.readFile(path)),
    };
  }

  get running() {
    return !this.#stopped && this.agentStarted;
  }

  async start(agent: AgentProcess, readyPath: string): Promise<void> {
    const started = performance.now();
    await this.machine.run(agent.command.map(shellQuote).join(" "), { cwd: this.workspacePath, envs: agent.env, background: true });
    this.agentStarted = true;
    const deadline = Date.now() + this.ctx.config.file.codingAgent.e2b.startTimeoutSeconds * 1_000;
    for (;;) {
      const res = await this.agentFetch(readyPath, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      if (res?.ok) break;
      if (Date.now() > deadline) throw new Error(`the agent in E2B sandbox ${this.id} did not answer within ${this.ctx.config.file.codingAgent.e2b.startTimeoutSeconds} s`);
      await Bun.sleep(50);
    }
    this.startTimings = { queuedMs: 0, sandboxMs: 0, agentMs: performance.now() - started };
  }

  agentFetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.machine.url(this.agentPort)}${path}`, init);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.forget();
    const release = this.ctx.config.file.codingAgent.e2b.onIdle === "pause" ? this.machine.pause() : this.machine.kill();
    await release.catch((error) => this.ctx.log.warn({ err: error, runId: this.runId, sandboxId: this.id }, "coding agent: could not release the E2B sandbox"));
  }
}
