import type { Sandbox, WorkspaceControl } from "./sandbox/provider.ts";

/**
 * The workspace's history, kept by the server: a git repository whose metadata lives in the control's private
 * directory (out of the agent's reach on local sandboxes) and whose work tree is the workspace. Its first commit
 * is the base; the patch is always "everything since the base".
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
  readonly #control: WorkspaceControl;

  constructor(sandbox: Sandbox) {
    this.#control = sandbox.control;
  }

  #git(args: string[], env: Record<string, string> = {}): Promise<string> {
    const { workspaceDir, privateDir } = this.#control;
    return this.#control.exec(["git", ...SAFE_CONFIG, `--git-dir=${privateDir}/git`, `--work-tree=${workspaceDir}`, ...args], { HOME: privateDir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", ...env });
  }

  /** Brings the code in (a GitHub tarball: one top-level folder, stripped) and records it as the base. */
  async init(tarball?: Uint8Array): Promise<void> {
    const { workspaceDir, privateDir } = this.#control;
    await this.#control.exec(["mkdir", "-p", workspaceDir, privateDir]);
    if (tarball) {
      await this.#control.writeFile(`${privateDir}/source.tar.gz`, tarball);
      await this.#control.exec(["tar", "-xzf", `${privateDir}/source.tar.gz`, "--strip-components=1", "--no-same-owner", "--no-same-permissions", "-C", workspaceDir]).catch((error) => {
        throw new Error(`the repository archive could not be extracted: ${(error as Error).message}`);
      });
      await this.#control.exec(["rm", "-f", `${privateDir}/source.tar.gz`]);
    }
    await this.#git(["init", "-q", "-b", "base"]);
    await this.#git(["add", "-A"]);
    await this.#git(["-c", "user.name=critique", "-c", "user.email=critique@localhost", "commit", "-q", "--allow-empty", "--no-verify", "-m", "base"]);
  }

  async patch(): Promise<{ patch: string; diffstat: Diffstat }> {
    await this.#git(["add", "-A"]);
    const patch = await this.#git(["diff", "--cached", "--binary", "--no-color", "--no-ext-diff", "HEAD"]);
    const bytes = Buffer.byteLength(patch);
    if (bytes > MAX_PATCH_BYTES) throw new Error(`the patch is ${(bytes / 1024 / 1024).toFixed(1)} MiB, over the ${MAX_PATCH_BYTES / 1024 / 1024} MiB a run may produce`);
    const diffstat = { files: 0, additions: 0, deletions: 0 };
    for (const line of (await this.#git(["diff", "--cached", "--numstat", "--no-renames", "HEAD"])).split("\n").filter(Boolean)) {
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
    const { privateDir } = this.#control;
    const env = { GIT_INDEX_FILE: `${privateDir}/check.index` };
    await this.#control.writeFile(`${privateDir}/check.patch`, Buffer.from(patch));
    await this.#git(["read-tree", "HEAD"], env);
    try {
      await this.#git(["apply", "--cached", "--check", `${privateDir}/check.patch`], env);
      return { ok: true, problem: null };
    } catch (error) {
      return { ok: false, problem: (error as Error).message };
    }
  }

  /** Every file that differs from the base, with its new content and mode. */
  async changedFiles(): Promise<ChangedFile[]> {
    await this.#git(["add", "-A"]);
    const raw = (await this.#git(["diff", "--cached", "--name-status", "--no-renames", "-z", "HEAD"])).split("\0").filter(Boolean);
    const files: ChangedFile[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const status = raw[i][0] as ChangedFile["status"];
      const path = raw[i + 1];
      if (status === "D") {
        files.push({ path, status, mode: null, content: null });
        continue;
      }
      const [meta] = (await this.#git(["ls-files", "-s", "-z", "--", path])).split("\0");
      const [mode, sha] = meta.split(" ");
      // A link's content is its target (text); anything else is read as bytes, so binary files survive.
      const content = mode === "120000" ? Buffer.from(await this.#git(["cat-file", "blob", sha])) : await this.#control.readFile(`${this.#control.workspaceDir}/${path}`);
      files.push({ path, status, mode, content });
    }
    return files;
  }
}
