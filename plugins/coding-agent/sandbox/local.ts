import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import pLimit, { type LimitFunction } from "p-limit";
import type { AppContext } from "../../../src/context.ts";
import { holderIsGone } from "../holder.ts";
import { bwrapBinary, opencodeBinary } from "./binaries.ts";
import { createSandboxCgroup, type SandboxCgroup } from "./cgroup.ts";
import bridgeSource from "./bridge.js" with { type: "text" };
import { bwrapCommand, INSIDE, type LocalLayout } from "./local-command.ts";
import { freeLoopbackPort, inferenceProxy } from "./local-sockets.ts";
import { hostControl } from "./host-control.ts";
import type { AgentProcess, Sandbox, SandboxProvider, WorkspaceControl } from "./provider.ts";

/** Inside a sandbox the loopback is its own, so fixed ports do; unsandboxed agents share the host's and get free ones. */
const PORTS = { inference: 4010, agent: 4096 };

/**
 * Sandboxes on this machine: a directory per run under the data dir, the agent under bubblewrap (or, only with
 * CRITIQUE_SANDBOX_UNSANDBOXED=1 and no bwrap, as a plain child process). A local sandbox lives in the process
 * that made it: it dies with it (bwrap --die-with-parent) and its files are removed when it stops.
 */
export class LocalProvider implements SandboxProvider {
  readonly name = "local" as const;
  readonly #sandboxes = new Map<string, LocalSandbox>();
  /** Agent starts waiting for a CPU: booting OpenCode takes seconds of CPU, and twenty at once would starve each other. */
  readonly #starts: LimitFunction;

  constructor(private readonly ctx: AppContext) {
    const configured = ctx.config.file.codingAgent.local.concurrentStarts;
    this.#starts = pLimit(configured || availableParallelism());
  }

  availability() {
    const config = this.ctx.config;
    if (!opencodeBinary(config)) return { usable: false, reason: "the OpenCode binary was not found: install the opencode-ai package next to the server or set CRITIQUE_OPENCODE_BIN" };
    if (bwrapBinary(config) || config.env.CRITIQUE_SANDBOX_UNSANDBOXED) return { usable: true, reason: bwrapBinary(config) ? null : "UNSANDBOXED: bubblewrap is missing and CRITIQUE_SANDBOX_UNSANDBOXED=1 is set" };
    return { usable: false, reason: "bubblewrap (bwrap) was not found: install the bubblewrap package, or set CRITIQUE_SANDBOX_UNSANDBOXED=1 to run agents without isolation" };
  }

  async create(runId: string): Promise<Sandbox> {
    const { usable, reason } = this.availability();
    if (!usable) throw new Error(reason ?? "local sandbox unavailable");
    const root = join(this.ctx.config.dataDir, "coding-agent", runId);
    rmSync(root, { recursive: true, force: true });
    const isolated = Boolean(bwrapBinary(this.ctx.config));
    const ports = isolated ? PORTS : { inference: await freeLoopbackPort(), agent: await freeLoopbackPort() };
    // Forgotten only once fully stopped, and only if no newer sandbox of the run took its place.
    const forget = () => this.#sandboxes.get(runId) === sandbox && this.#sandboxes.delete(runId);
    const sandbox = new LocalSandbox(this.ctx, runId, root, isolated, ports, this.#starts, forget);
    this.#sandboxes.set(runId, sandbox);
    return sandbox;
  }

  heldRunIds(): string[] {
    return [...this.#sandboxes.keys()];
  }

  find(runId: string): Sandbox | undefined {
    return this.#sandboxes.get(runId);
  }

  async discard(runId: string, owner: string | null): Promise<void> {
    if (this.#sandboxes.has(runId) || !owner || !holderIsGone(owner)) return;
    rmSync(join(this.ctx.config.dataDir, "coding-agent", runId), { recursive: true, force: true });
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.#sandboxes.values()].map((s) => s.stop()));
  }
}

const warned = new Set<string>();
function warnOnce(ctx: AppContext, message: string) {
  if (warned.has(message)) return;
  warned.add(message);
  ctx.log.warn(message);
}

class LocalSandbox implements Sandbox {
  readonly id: string;
  readonly control: WorkspaceControl;
  readonly workspacePath: string;
  readonly inferenceBaseUrl: string;
  readonly agentBinary: string;
  readonly agentPort: number;
  readonly #sockets: string;
  #proc: Bun.Subprocess | undefined;
  #proxy: { stop(): void } | undefined;
  #stopping: Promise<void> | undefined;
  #output = "";
  #cgroup: SandboxCgroup | undefined;
  startTimings: { queuedMs: number; sandboxMs: number; agentMs: number } | undefined;

  constructor(
    private readonly ctx: AppContext,
    readonly runId: string,
    private readonly root: string,
    private readonly isolated: boolean,
    private readonly ports: { inference: number; agent: number },
    private readonly startSlot: LimitFunction,
    private readonly forget: () => unknown,
  ) {
    this.id = `local-${runId}`;
    this.agentPort = ports.agent;
    const workspace = join(root, "workspace");
    this.control = hostControl(workspace, join(root, "private"));
    this.#sockets = join(root, "sockets");
    for (const dir of [workspace, this.control.privateDir, this.#sockets, join(root, "home")]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.workspacePath = this.isolated ? INSIDE.workspace : workspace;
    this.agentBinary = this.isolated ? `${INSIDE.tools}/opencode` : opencodeBinary(ctx.config)!;
    this.inferenceBaseUrl = `http://127.0.0.1:${this.ports.inference}/api/v1`;
  }

  get running() {
    return this.#proc !== undefined && this.#proc.exitCode === null && !this.#stopping;
  }

  start(agent: AgentProcess, readyPath: string): Promise<void> {
    const asked = performance.now();
    return this.startSlot(() => this.#start(agent, readyPath, this.ctx.config.file.codingAgent.local.startTimeoutSeconds * 1_000, performance.now() - asked));
  }

  async #start(agent: AgentProcess, readyPath: string, timeoutMs: number, queuedMs: number): Promise<void> {
    if (this.#stopping) throw new Error("the sandbox was stopped before its agent started");
    const bridgeScript = join(this.root, "bridge.js");
    writeFileSync(bridgeScript, bridgeSource);
    this.#proxy = inferenceProxy(this.ctx, join(this.#sockets, "inference.sock"));
    const home = this.isolated ? INSIDE.home : join(this.root, "home");
    const env: Record<string, string> = {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: home,
      TMPDIR: this.isolated ? "/tmp" : join(this.root, "home"),
      LANG: "C.UTF-8",
      BUN_BE_BUN: "1",
      CRITIQUE_AGENT_PORT: String(this.agentPort),
      CRITIQUE_INFERENCE_PORT: String(this.ports.inference),
      CRITIQUE_BRIDGE_DIR: this.isolated ? INSIDE.bridgeDir : this.#sockets,
      CRITIQUE_AGENT_COMMAND: JSON.stringify(agent.command),
      ...agent.env,
    };
    const layout: LocalLayout = { workspace: this.control.workspaceDir, home: join(this.root, "home"), sockets: this.#sockets, bridgeScript, runtime: process.execPath, agentBinary: opencodeBinary(this.ctx.config)! };
    const bridge = this.isolated ? [`${INSIDE.tools}/runtime`, `${INSIDE.tools}/bridge.js`] : [process.execPath, bridgeScript];
    const limits = this.ctx.config.file.codingAgent.local;
    let argv = this.isolated ? bwrapCommand(bwrapBinary(this.ctx.config)!, layout, limits, bridge, env) : bridge;
    if (this.isolated) {
      const { cgroup, problem } = createSandboxCgroup(this.runId, limits.memoryMb, limits.processes);
      if (problem) warnOnce(this.ctx, `coding agent: sandboxes run without a memory limit: ${problem}`);
      if (cgroup) {
        this.#cgroup = cgroup;
        // The shell joins the cgroup before it becomes the sandbox, so nothing the sandbox starts escapes the limit.
        argv = ["/bin/sh", "-c", 'for f in $1; do echo $$ > "$f"; done; shift; exec "$@"', "sh", cgroup.procsFiles.join(" "), ...argv];
      }
    }
    const spawned = performance.now();
    this.#proc = Bun.spawn(argv, { cwd: this.control.workspaceDir, env: this.isolated ? {} : env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    void this.#collect(this.#proc.stdout as ReadableStream<Uint8Array>);
    void this.#collect(this.#proc.stderr as ReadableStream<Uint8Array>);
    const sandboxMs = await this.#waitReady(readyPath, timeoutMs, spawned);
    this.startTimings = { queuedMs, sandboxMs, agentMs: performance.now() - spawned };
  }

  async #collect(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.#output = (this.#output + decoder.decode(chunk)).slice(-8_000);
  }

  /** Resolves when the agent answers, with the milliseconds until the sandbox's bridge was up. */
  async #waitReady(readyPath: string, timeoutMs: number, spawned: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const socket = join(this.#sockets, "agent.sock");
    let sandboxMs: number | undefined;
    for (;;) {
      if (!this.running) throw new Error(`the sandbox exited (${this.#proc?.exitCode ?? "killed"}) before the agent was ready: ${this.#output.trim().slice(-1_000)}`);
      if (existsSync(socket)) {
        sandboxMs ??= performance.now() - spawned;
        // OpenCode may hold its very first request while it boots: ask again rather than wait on it.
        const res = await this.agentFetch(readyPath, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
        if (res?.ok) return sandboxMs;
      }
      if (Date.now() > deadline) throw new Error(`the agent did not answer within ${timeoutMs} ms: ${this.#output.trim().slice(-1_000)}`);
      await Bun.sleep(sandboxMs === undefined ? 2 : 20);
    }
  }

  agentFetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`http://sandbox${path}`, { ...init, unix: join(this.#sockets, "agent.sock") } as RequestInit);
  }

  /**
   * One stop however many callers ask (the expiry job and the holder's sweep can end a run at once): each waits for
   * the same stop, so none goes on (settling, writing the `end` event) while the sandbox is still being removed.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /**
   * Known to the provider until the directory is gone: a second caller ending the run (expiry job and holder sweep
   * at once) then finds this sandbox and waits for the same stop, instead of finding none and writing the run's
   * `end` event while the first is still removing it.
   */
  async #stop(): Promise<void> {
    try {
      const proc = this.#proc;
      if (proc && proc.exitCode === null) {
        proc.kill("SIGTERM");
        const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(2_000).then(() => false)]);
        if (!exited) proc.kill("SIGKILL");
      }
      this.#proxy?.stop();
      await this.#cgroup?.remove();
      rmSync(this.root, { recursive: true, force: true });
    } finally {
      this.forget();
    }
  }
}
