import type { CodingAgentConfig } from "../../../src/config/index.ts";

/** Paths inside a local sandbox. */
export const INSIDE = { workspace: "/workspace", home: "/home/agent", bridgeDir: "/run/critique", tools: "/opt/critique" };

export interface LocalLayout {
  workspace: string;
  home: string;
  sockets: string;
  bridgeScript: string;
  /** The JavaScript runtime that runs the bridge (this server's own executable, as Bun). */
  runtime: string;
  agentBinary: string;
}

/** Host files the agent's tools need (the shell, coreutils, git…) and nothing that holds a secret. */
const SYSTEM_READ_ONLY = ["/usr", "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/localtime", "/etc/ssl/certs", "/etc/ca-certificates"];
const USR_MERGED = [
  ["usr/bin", "/bin"],
  ["usr/sbin", "/sbin"],
  ["usr/lib", "/lib"],
  ["usr/lib64", "/lib64"],
];

/**
 * The bubblewrap command line: new user, PID, network, IPC, UTS and cgroup namespaces; the system read-only; the
 * workspace, a private home and the socket directory writable; nothing else of the host (no data dir, no
 * environment). CPU time, file size and process count are capped with prlimit.
 */
export function bwrapCommand(bwrap: string, layout: LocalLayout, limits: CodingAgentConfig["local"], inner: string[], env: Record<string, string>): string[] {
  const args = [
    Bun.which("prlimit") ?? "/usr/bin/prlimit",
    `--cpu=${limits.cpuSeconds}`,
    `--fsize=${limits.fileSizeMb * 1024 * 1024}`,
    `--nproc=${limits.processes}`,
    "--",
    bwrap,
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--clearenv",
    "--hostname",
    "sandbox",
  ];
  for (const path of SYSTEM_READ_ONLY) args.push("--ro-bind-try", path, path);
  for (const [target, link] of USR_MERGED) args.push("--symlink", target, link);
  args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", "/run");
  args.push("--bind", layout.workspace, INSIDE.workspace, "--bind", layout.home, INSIDE.home, "--bind", layout.sockets, INSIDE.bridgeDir);
  args.push("--ro-bind", layout.runtime, `${INSIDE.tools}/runtime`, "--ro-bind", layout.bridgeScript, `${INSIDE.tools}/bridge.js`, "--ro-bind", layout.agentBinary, `${INSIDE.tools}/opencode`);
  for (const [name, value] of Object.entries(env)) args.push("--setenv", name, value);
  args.push("--chdir", INSIDE.workspace, "--", ...inner);
  return args;
}
