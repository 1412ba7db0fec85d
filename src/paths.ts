import { basename, join, resolve } from "node:path";

/** Inside a `bun build --compile` binary every module reports this directory. */
const COMPILED_ROOT = "/$bunfs/root";
export const isCompiled = import.meta.dir.startsWith("/$bunfs");

/**
 * A file or folder shipped with the server (migrations, UI assets). In the binary it is embedded with
 * `--asset=<source>`, which keeps only the last segment of the source path; from source it is on disk.
 */
export function assetPath(source: string, ...inside: string[]): string {
  return isCompiled ? join(COMPILED_ROOT, basename(source), ...inside) : resolve(import.meta.dir, "..", source, ...inside);
}
