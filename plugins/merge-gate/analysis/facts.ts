import type { ChangedFile } from "./diff.ts";
import { baseName, globMatcher, isBinaryPath, isLockfile } from "./paths.ts";

/** Path categories that make a change riskier; the checkpoint rules and the risk score both read them. */
export const SENSITIVE = {
  auth: globMatcher(["**/auth/**", "**/*auth*.*", "**/*session*.*", "**/*permission*.*", "**/*login*.*", "**/middleware.*", "**/*jwt*.*", "**/*oauth*.*", "**/*crypto*.*"]),
  ci: globMatcher([".github/workflows/**", ".gitlab-ci.yml", ".circleci/**", "Jenkinsfile", "azure-pipelines.yml", ".buildkite/**"]),
  migrations: globMatcher(["**/migrations/**", "**/migrate/**", "**/*.migration.*", "**/schema.prisma", "**/*.sql"]),
  infra: globMatcher(["**/Dockerfile", "**/*.tf", "**/k8s/**", "**/helm/**", "**/docker-compose*.yml"]),
};
export type SensitiveCategory = keyof typeof SENSITIVE;

const MANIFESTS: Record<string, string[]> = {
  "package.json": ["package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb", "npm-shrinkwrap.json"],
  "Cargo.toml": ["Cargo.lock"],
  "go.mod": ["go.sum"],
  "pyproject.toml": ["poetry.lock", "uv.lock"],
  Pipfile: ["Pipfile.lock"],
  Gemfile: ["Gemfile.lock"],
  "composer.json": ["composer.lock"],
  "requirements.txt": [],
};

const isTest = globMatcher(["**/test/**", "**/tests/**", "**/__tests__/**", "**/spec/**", "**/*.test.*", "**/*.spec.*", "**/*_test.*", "**/test_*.*"]);
const isSource = globMatcher(["**/*.{ts,tsx,js,jsx,mjs,cjs,py,go,rs,java,kt,rb,php,cs,swift,scala,c,cc,cpp,h,hpp,m,ex,exs}"]);
const isDocs = globMatcher(["**/*.md", "**/*.mdx", "**/*.txt", "docs/**", "**/LICENSE*"]);

export interface ChangeFacts {
  filesChanged: number;
  additions: number;
  deletions: number;
  sensitive: Record<SensitiveCategory, string[]>;
  manifestsChanged: string[];
  /** Manifests changed without any of their lock files, and lock files changed without their manifest. */
  manifestWithoutLock: string[];
  lockWithoutManifest: string[];
  binaryAdded: string[];
  sourceFiles: string[];
  testFiles: string[];
  docsOnly: boolean;
  sourceChangedWithoutTests: boolean;
}

/** Deterministic facts about a change: no model, no network. */
export function changeFacts(files: ChangedFile[]): ChangeFacts {
  const sensitive = Object.fromEntries(Object.keys(SENSITIVE).map((k) => [k, [] as string[]])) as Record<SensitiveCategory, string[]>;
  const names = new Set(files.map((f) => baseName(f.path)));
  const facts: ChangeFacts = {
    filesChanged: files.length,
    additions: 0,
    deletions: 0,
    sensitive,
    manifestsChanged: [],
    manifestWithoutLock: [],
    lockWithoutManifest: [],
    binaryAdded: [],
    sourceFiles: [],
    testFiles: [],
    docsOnly: files.length > 0,
    sourceChangedWithoutTests: false,
  };
  for (const file of files) {
    facts.additions += file.additions;
    facts.deletions += file.deletions;
    for (const [category, match] of Object.entries(SENSITIVE)) if (match(file.path)) sensitive[category as SensitiveCategory].push(file.path);
    const name = baseName(file.path);
    if (name in MANIFESTS) {
      facts.manifestsChanged.push(file.path);
      const locks = MANIFESTS[name];
      if (locks.length && !locks.some((l) => names.has(l))) facts.manifestWithoutLock.push(file.path);
    }
    if (isLockfile(file.path)) {
      const manifest = Object.entries(MANIFESTS).find(([, locks]) => locks.includes(name))?.[0];
      if (manifest && !names.has(manifest)) facts.lockWithoutManifest.push(file.path);
    }
    if (file.status === "added" && (isBinaryPath(file.path) || !file.patchAvailable)) facts.binaryAdded.push(file.path);
    if (isTest(file.path)) facts.testFiles.push(file.path);
    else if (isSource(file.path) && file.status !== "removed") facts.sourceFiles.push(file.path);
    if (!isDocs(file.path)) facts.docsOnly = false;
  }
  facts.sourceChangedWithoutTests = facts.sourceFiles.length > 0 && facts.testFiles.length === 0;
  return facts;
}
