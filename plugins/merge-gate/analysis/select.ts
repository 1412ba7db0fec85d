import type { ChangedFile } from "./diff.ts";
import { defaultSkipReason, globMatcher, type SkipReason } from "./paths.ts";
import type { RepoConfig } from "./repo-config.ts";

export interface Selection {
  reviewed: ChangedFile[];
  skipped: { path: string; reason: SkipReason }[];
}

/** Splits the change into files to review and files skipped, each with its reason (nothing silently dropped). */
export function selectFiles(files: ChangedFile[], config: RepoConfig): Selection {
  const include = config.paths.include.length ? globMatcher(config.paths.include) : () => false;
  const exclude = config.paths.exclude.length ? globMatcher(config.paths.exclude) : () => false;
  const selection: Selection = { reviewed: [], skipped: [] };
  for (const file of files) {
    let reason: SkipReason | undefined;
    if (exclude(file.path)) reason = "excluded by .critique.yml";
    else {
      const byDefault = defaultSkipReason(file.path, file.patchAvailable);
      // An include glob lifts the default rules, but a file without a patch still cannot be read.
      if (byDefault && !(include(file.path) && file.patchAvailable && byDefault !== "binary")) reason = byDefault;
    }
    if (reason) selection.skipped.push({ path: file.path, reason });
    else selection.reviewed.push(file);
  }
  return selection;
}
