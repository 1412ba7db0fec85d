import { join } from "node:path";
import type { Sandbox } from "./sandbox/provider.ts";

/**
 * The workspace's history, kept by the server: a git repository whose metadata lives in the sandbox's private
 * directory (the agent cannot read or plant hooks or config there) and whose work tree is the workspace. Its
 * first commit is the base; the patch is always "everything since the base".
 */
export interface ChangedFile {
  path: string;
  /** A = added, M = modified, D = deleted, T = type changed */
  status: "A" | "M" | "D" | "T";
  /** Git mode of the new version (100644, 100755, 120000); null for deletions. */
  mode: string | null;
  /** The new content; null for deletions. */
  content: Buffer | null;
}

export interface Diffstat {
  files: number;
  additions: number;
  deletions: number;
}

/** A patch is stored on the run and served whole: beyond this it is refused rather than stored. */
const MAX_PATCH_BYTES = 20 * 1024 * 1024;

const SAFE_CONFIG = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "core.autocrlf=false", "-c", "core.quotePath=false", "-c", "commit.gpgSign=false"];

export class Workspace {
  readonly #gitDir: string;

  constructor(private readonly sandbox: Sandbox) {
    this.#gitDir = join(sandbox.hostPrivateDir, "git");
  }

  async #git(args: string[], options: { input?: Uint8Array; env?: Record<string, string> } = {}): Promise<Buffer> {
    const proc = Bun.spawn(["git", ...SAFE_CONFIG, `--git-dir=${this.#gitDir}`, `--work-tree=${this.sandbox.hostWorkspace}`, ...args], {
      cwd: this.sandbox.hostWorkspace,
      env: { PATH: "/usr/bin:/bin:/usr/local/bin", HOME: this.sandbox.hostPrivateDir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", LANG: "C", ...options.env },
      stdin: options.input ?? "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).arrayBuffer(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`git ${args[0]} failed (${code}): ${err.trim().slice(0, 500)}`);
    return Buffer.from(out);
  }

  /** Brings the code in (a GitHub tarball: one top-level folder, stripped) and records it as the base. */
  async init(tarball?: Uint8Array): Promise<void> {
    if (tarball) await extract(tarball, this.sandbox.hostWorkspace);
    await this.#git(["init", "-q", "-b", "base"]);
    await this.#git(["add", "-A"]);
    await this.#git(["-c", "user.name=critique", "-c", "user.email=critique@localhost", "commit", "-q", "--allow-empty", "--no-verify", "-m", "base"]);
  }

  /** Stages the work tree as it is now: the diff, its stat and its files are all relative to the base. */
  async #stage(): Promise<void> {
    await this.#git(["add", "-A"]);
  }

  async patch(): Promise<{ patch: string; diffstat: Diffstat }> {
    await this.#stage();
    const bytes = await this.#git(["diff", "--cached", "--binary", "--no-color", "--no-ext-diff", "HEAD"]);
    if (bytes.byteLength > MAX_PATCH_BYTES) throw new Error(`the patch is ${(bytes.byteLength / 1024 / 1024).toFixed(1)} MiB, over the ${MAX_PATCH_BYTES / 1024 / 1024} MiB a run may produce`);
    const patch = bytes.toString("utf8");
    const numstat = (await this.#git(["diff", "--cached", "--numstat", "--no-renames", "HEAD"])).toString("utf8");
    const diffstat = { files: 0, additions: 0, deletions: 0 };
    for (const line of numstat.split("\n").filter(Boolean)) {
      const [added, deleted] = line.split("\t");
      diffstat.files++;
      diffstat.additions += Number(added) || 0;
      diffstat.deletions += Number(deleted) || 0;
    }
    return { patch, diffstat };
  }

  /** Whether the patch applies to the base as it was fetched (a clean index at the base, nothing else). */
  async appliesToBase(patch: string): Promise<{ ok: boolean; problem: string | null }> {
    if (!patch) return { ok: true, problem: null };
    const env = { GIT_INDEX_FILE: join(this.sandbox.hostPrivateDir, "check.index") };
    await this.#git(["read-tree", "HEAD"], { env });
    try {
      await this.#git(["apply", "--cached", "--check", "-"], { env, input: Buffer.from(patch) });
      return { ok: true, problem: null };
    } catch (error) {
      return { ok: false, problem: (error as Error).message };
    }
  }

  /** Every file that differs from the base, with its new content and mode. */
  async changedFiles(): Promise<ChangedFile[]> {
    await this.#stage();
    const raw = (await this.#git(["diff", "--cached", "--name-status", "--no-renames", "-z", "HEAD"])).toString("utf8").split("\0").filter(Boolean);
    const files: ChangedFile[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const status = raw[i][0] as ChangedFile["status"];
      const path = raw[i + 1];
      if (status === "D") {
        files.push({ path, status, mode: null, content: null });
        continue;
      }
      const [meta] = (await this.#git(["ls-files", "-s", "-z", "--", path])).toString("utf8").split("\0");
      const [mode, sha] = meta.split(" ");
      files.push({ path, status, mode, content: await this.#git(["cat-file", "blob", sha]) });
    }
    return files;
  }
}

async function extract(tarball: Uint8Array, into: string): Promise<void> {
  const proc = Bun.spawn(["tar", "-xzf", "-", "--strip-components=1", "--no-same-owner", "--no-same-permissions", "-C", into], { stdin: tarball, stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`the repository archive could not be extracted: ${err.trim().slice(0, 300)}`);
}
