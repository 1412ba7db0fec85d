import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { E2BClient, E2BMachine } from "../../plugins/coding-agent/sandbox/e2b-client.ts";

/**
 * A test double at the E2B SDK's sandbox boundary: "remote" sandboxes that are plain processes on this machine
 * (commands through `sh -c`, files on disk, ports on 127.0.0.1), kept by id across server restarts like E2B keeps
 * them, paused with SIGSTOP and resumed on connect. It records what the provider asked for.
 */
export interface DoubleMachine {
  id: string;
  template: string;
  timeoutMs: number;
  metadata: Record<string, string>;
  state: "running" | "paused" | "killed";
  commands: string[];
  home: string;
}

export class E2BDouble implements E2BClient {
  readonly machines = new Map<string, DoubleMachine>();
  readonly connects: string[] = [];
  readonly #processes = new Map<string, Bun.Subprocess[]>();
  #next = 1;

  /** `sharedPaths`: fixed paths every "VM" uses (the workspace): a real VM has its own, here they are emptied on kill. */
  constructor(private readonly sharedPaths: string[] = []) {}

  async create(options: { template: string; timeoutMs: number; metadata: Record<string, string> }): Promise<E2BMachine> {
    const id = `sbx${this.#next++}${Math.random().toString(36).slice(2, 8)}`;
    const home = mkdtempSync(join(tmpdir(), `critique-e2b-${id}-`));
    this.machines.set(id, { id, ...options, state: "running", commands: [], home });
    this.#processes.set(id, []);
    return this.#machine(id);
  }

  async connect(sandboxId: string): Promise<E2BMachine> {
    const machine = this.machines.get(sandboxId);
    if (!machine || machine.state === "killed") throw new Error(`sandbox ${sandboxId} not found`);
    this.connects.push(sandboxId);
    if (machine.state === "paused") this.#signal(sandboxId, "SIGCONT", "running");
    return this.#machine(sandboxId);
  }

  async kill(sandboxId: string): Promise<boolean> {
    const machine = this.machines.get(sandboxId);
    if (!machine || machine.state === "killed") return false;
    this.#signal(sandboxId, "SIGKILL", "killed");
    for (const path of [machine.home, ...this.sharedPaths]) rmSync(path, { recursive: true, force: true });
    return true;
  }

  /** Stops every process of every sandbox (end of the test file). */
  dispose() {
    for (const id of this.machines.keys()) void this.kill(id);
  }

  #signal(id: string, signal: NodeJS.Signals, state: DoubleMachine["state"]) {
    for (const proc of this.#processes.get(id) ?? []) if (proc.exitCode === null) process.kill(-proc.pid, signal);
    this.machines.get(id)!.state = state;
  }

  #machine(id: string): E2BMachine {
    const record = this.machines.get(id)!;
    const live = () => {
      if (record.state !== "running") throw new Error(`sandbox ${id} is ${record.state}`);
    };
    return {
      sandboxId: id,
      run: async (command, options = {}) => {
        live();
        record.commands.push(command);
        const proc = Bun.spawn(["setsid", "sh", "-c", command], {
          cwd: options.cwd ?? "/",
          env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: record.home, LANG: "C.UTF-8", ...options.envs },
          stdin: "ignore",
          stdout: options.background ? "ignore" : "pipe",
          stderr: options.background ? "ignore" : "pipe",
        });
        this.#processes.get(id)!.push(proc);
        if (options.background) return { exitCode: 0, stdout: "", stderr: "" };
        const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text(), proc.exited]);
        return { exitCode, stdout, stderr };
      },
      writeFile: async (path, data) => {
        live();
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, data);
      },
      readFile: async (path) => {
        live();
        return new Uint8Array(readFileSync(path));
      },
      url: (port) => `http://127.0.0.1:${port}`,
      kill: async () => void (await this.kill(id)),
      pause: async () => this.#signal(id, "SIGSTOP", "paused"),
    };
  }
}
