/**
 * Where a run's agent executes. A provider makes sandboxes; a sandbox holds the run's workspace and runs the
 * agent's HTTP server, which the server reaches through `agentFetch`. The server's own Inference API is the
 * sandbox's only way out (`inferenceBaseUrl`, as seen from inside).
 */
export interface SandboxProvider {
  readonly name: "local" | "e2b";
  /** Whether runs can start here, and why not. */
  availability(): { usable: boolean; reason: string | null };
  /** A fresh, empty sandbox for the run. */
  create(runId: string): Promise<Sandbox>;
  /** Ids of the runs whose sandboxes this process holds. */
  heldRunIds(): string[];
  /** The run's sandbox if this process still holds it (warm), else undefined. */
  find(runId: string): Sandbox | undefined;
  /** Remote providers: the run's sandbox reached by its id from this process (after a restart, or from another one). */
  reattach?(runId: string, sandboxId: string): Promise<Sandbox | undefined>;
  /**
   * Removes what is left of a run's sandbox whose holder is gone (a process killed mid-turn leaves its workspace
   * behind); a sandbox still held by a live process is left alone.
   */
  discard(runId: string, owner: string | null, sandboxId: string | null): Promise<void>;
  /** Stops every sandbox this process holds (shutdown). */
  stopAll(): Promise<void>;
}

export interface AgentProcess {
  /** The command run inside the sandbox, and its environment (nothing of the server's own is passed). */
  command: string[];
  env: Record<string, string>;
}

export interface Sandbox {
  readonly id: string;
  readonly runId: string;
  /** The workspace as the agent sees it (absolute path inside the sandbox). */
  readonly workspacePath: string;
  /** How the server itself works on the workspace: brings code in, takes the diff out. */
  readonly control: WorkspaceControl;
  /** Base URL of this server's Inference API as seen from inside the sandbox. */
  readonly inferenceBaseUrl: string;
  /** The port the agent's HTTP server must listen on (127.0.0.1 inside the sandbox). */
  readonly agentPort: number;
  /** The agent binary's path inside the sandbox. */
  readonly agentBinary: string;
  /** Starts the agent; resolves once its HTTP server answers `readyPath` (the provider bounds how long that may take). */
  start(agent: AgentProcess, readyPath: string): Promise<void>;
  /** A request to the agent's HTTP server (path starting with `/`). */
  agentFetch(path: string, init?: RequestInit): Promise<Response>;
  readonly running: boolean;
  /**
   * How long `start` took: waiting for a start slot (not charged), then until the sandbox itself was up (its
   * bridge answered), and until the agent answered.
   */
  readonly startTimings: { queuedMs: number; sandboxMs: number; agentMs: number } | undefined;
  /** Stops the agent and releases the sandbox (the workspace files are removed). */
  stop(): Promise<void>;
}

/**
 * The server's own access to a sandbox's workspace, for git and tar. Local sandboxes run these on this machine
 * (outside the sandbox, so the agent cannot plant hooks or config the server would run); remote ones inside the
 * remote machine.
 */
export interface WorkspaceControl {
  /** Where control commands see the workspace, and a directory of the server's next to it (git metadata). */
  readonly workspaceDir: string;
  readonly privateDir: string;
  /** Runs a command against the workspace; resolves with its stdout, rejects with its stderr on failure. */
  exec(argv: string[], env?: Record<string, string>): Promise<string>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  readFile(path: string): Promise<Buffer>;
}
