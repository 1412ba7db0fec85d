import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A memory and process-count cap for one sandbox, as a cgroup (v2 where the unified hierarchy has the memory
 * controller, else v1's memory and pids hierarchies). Needs a writable cgroup filesystem (root, or a delegated
 * subtree); where there is none, sandboxes run without these caps and `availability()` says so.
 */
export interface SandboxCgroup {
  /** The cgroup.procs files a process must write its pid to (before it execs the sandbox). */
  procsFiles: string[];
  /** Removes the cgroup once its last process has gone (waits a little for that, then leaves it to the kernel). */
  remove(): Promise<void>;
}

const ROOT = "/sys/fs/cgroup";

function v2Available(): boolean {
  const controllers = join(ROOT, "cgroup.controllers");
  return existsSync(controllers) && readFileSync(controllers, "utf8").split(/\s+/).includes("memory");
}

/** Creates the run's cgroup with its limits; undefined (with the reason) when cgroups cannot be written here. */
export function createSandboxCgroup(runId: string, memoryMb: number, maxProcesses: number): { cgroup?: SandboxCgroup; problem?: string } {
  const bytes = String(memoryMb * 1024 * 1024);
  try {
    if (v2Available()) {
      const parent = join(ROOT, "critique");
      mkdirSync(parent, { recursive: true });
      writeFileSync(join(ROOT, "cgroup.subtree_control"), "+memory +pids");
      writeFileSync(join(parent, "cgroup.subtree_control"), "+memory +pids");
      const dir = join(parent, runId);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "memory.max"), bytes);
      writeFileSync(join(dir, "memory.swap.max"), "0");
      writeFileSync(join(dir, "pids.max"), String(maxProcesses));
      return { cgroup: { procsFiles: [join(dir, "cgroup.procs")], remove: () => removeDirs([dir]) } };
    }
    const memory = join(ROOT, "memory", "critique", runId);
    if (!existsSync(join(ROOT, "memory"))) return { problem: "no cgroup memory controller on this machine" };
    mkdirSync(memory, { recursive: true });
    writeFileSync(join(memory, "memory.limit_in_bytes"), bytes);
    if (existsSync(join(memory, "memory.memsw.limit_in_bytes"))) writeFileSync(join(memory, "memory.memsw.limit_in_bytes"), bytes);
    const dirs = [memory];
    const pids = join(ROOT, "pids", "critique", runId);
    if (existsSync(join(ROOT, "pids"))) {
      mkdirSync(pids, { recursive: true });
      writeFileSync(join(pids, "pids.max"), String(maxProcesses));
      dirs.push(pids);
    }
    return { cgroup: { procsFiles: dirs.map((d) => join(d, "cgroup.procs")), remove: () => removeDirs(dirs) } };
  } catch (error) {
    return { problem: `cgroups are not writable here (${(error as Error).message})` };
  }
}

async function removeDirs(dirs: string[]): Promise<void> {
  // Whatever of the sandbox still runs (an agent slow to exit its SIGTERM) goes now: the cgroup holds exactly it.
  for (const dir of dirs) {
    const procs = join(dir, "cgroup.procs");
    if (!existsSync(procs)) continue;
    for (const pid of readFileSync(procs, "utf8").split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  let left = dirs.filter((dir) => existsSync(dir));
  for (let attempt = 0; left.length && attempt < 40; attempt++) {
    left = left.filter((dir) => {
      try {
        rmdirSync(dir);
        return false;
      } catch (error) {
        // EBUSY: the sandbox's last processes are still exiting.
        return (error as NodeJS.ErrnoException).code === "EBUSY";
      }
    });
    if (left.length) await Bun.sleep(50);
  }
}
