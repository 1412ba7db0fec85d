import { readFile, writeFile } from "node:fs/promises";
import type { WorkspaceControl } from "./provider.ts";

/** Workspace control on this machine: commands spawned here with a minimal environment, files read and written here. */
export function hostControl(workspaceDir: string, privateDir: string): WorkspaceControl {
  return {
    workspaceDir,
    privateDir,
    async exec(argv, env = {}) {
      const proc = Bun.spawn(argv, { cwd: workspaceDir, env: { PATH: "/usr/bin:/bin:/usr/local/bin", LANG: "C", ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      if (code !== 0) throw new Error(`${argv[0]} ${argv.find((a) => !a.startsWith("-") && a !== argv[0]) ?? ""} failed (${code}): ${err.trim().slice(0, 500)}`);
      return out;
    },
    writeFile: (path, data) => writeFile(path, data),
    readFile: (path) => readFile(path),
  };
}
