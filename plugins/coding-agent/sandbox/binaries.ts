import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Config } from "../../../src/config/index.ts";
import { isCompiled } from "../../../src/paths.ts";

/**
 * The programs a local sandbox needs: bubblewrap and the OpenCode binary. OpenCode comes from the pinned
 * `opencode-ai` dependency (its platform package ships the binary) next to the source tree, or next to the
 * compiled server binary, or from PATH; CRITIQUE_OPENCODE_BIN overrides all of them.
 */
const PLATFORM_PACKAGES = [`opencode-${process.platform}-${process.arch}`, `opencode-${process.platform}-${process.arch}-baseline`];

export function opencodeBinary(config: Config): string | undefined {
  if (config.env.CRITIQUE_OPENCODE_BIN) return existsSync(config.env.CRITIQUE_OPENCODE_BIN) ? resolve(config.env.CRITIQUE_OPENCODE_BIN) : undefined;
  const roots = isCompiled ? [dirname(process.execPath), process.cwd()] : [resolve(import.meta.dir, "../../..")];
  for (const root of roots) {
    for (const pkg of PLATFORM_PACKAGES) {
      const candidate = join(root, "node_modules", pkg, "bin", "opencode");
      if (existsSync(candidate)) return candidate;
    }
  }
  return Bun.which("opencode") ?? undefined;
}

export function bwrapBinary(config: Config): string | undefined {
  const configured = config.env.CRITIQUE_BWRAP_BIN;
  if (configured) return existsSync(configured) ? resolve(configured) : undefined;
  return Bun.which("bwrap") ?? undefined;
}
