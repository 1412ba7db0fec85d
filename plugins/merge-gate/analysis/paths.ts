import picomatch from "picomatch";

/** Why a file is left out of review by default. Repositories can override with `.critique.yml` paths. */
export type SkipReason = "binary" | "generated" | "vendored" | "lockfile" | "excluded by .critique.yml" | "patch unavailable";

const LOCKFILES = new Set([
  "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb", "Cargo.lock",
  "poetry.lock", "Pipfile.lock", "uv.lock", "go.sum", "Gemfile.lock", "composer.lock", "mix.lock", "pubspec.lock",
  "Podfile.lock", "flake.lock", "packages.lock.json", "gradle.lockfile",
]);

const matcher = (globs: string[]) => picomatch(globs, { dot: true });

const isGenerated = matcher([
  "**/*.min.js", "**/*.min.css", "**/*.map", "**/dist/**", "**/build/**", "**/*.generated.*", "**/*_generated.*",
  "**/*.pb.go", "**/*_pb2.py", "**/*.g.dart", "**/__generated__/**", "**/__snapshots__/**", "**/*.snap",
]);
const isVendored = matcher(["**/vendor/**", "**/node_modules/**", "**/third_party/**", "**/third-party/**", "**/.yarn/**"]);
const isBinaryName = matcher([
  "**/*.{png,jpg,jpeg,gif,webp,ico,bmp,tiff,pdf,zip,gz,tgz,bz2,xz,7z,jar,war,class,so,dylib,dll,exe,bin,o,a,wasm,woff,woff2,ttf,otf,eot,mp3,mp4,mov,avi,sqlite,db}",
]);

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function defaultSkipReason(path: string, patchAvailable: boolean): SkipReason | undefined {
  if (isBinaryName(path)) return "binary";
  if (LOCKFILES.has(baseName(path))) return "lockfile";
  if (isVendored(path)) return "vendored";
  if (isGenerated(path)) return "generated";
  if (!patchAvailable) return "patch unavailable";
  return undefined;
}

export function isLockfile(path: string): boolean {
  return LOCKFILES.has(baseName(path));
}

export function isBinaryPath(path: string): boolean {
  return isBinaryName(path);
}

export { matcher as globMatcher };
