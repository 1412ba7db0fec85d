import { createHash } from "node:crypto";

/**
 * One repository's git objects, hashed the way git hashes them (so shas look and behave like real ones: the same
 * content gives the same blob and tree sha). Trees are kept flat, path -> file, because that is all the fake's
 * routes need; nested tree objects are still hashed and registered, so a subtree sha works as `base_tree` too.
 */
export type FileMode = "100644" | "100755" | "120000";
export interface TreeFile {
  sha: string;
  mode: FileMode;
}
export type FlatTree = Map<string, TreeFile>;
export interface Person {
  name: string;
  email: string;
  /** ISO 8601, seconds precision, like GitHub's `date` fields. */
  date: string;
}
export interface StoredCommit {
  sha: string;
  message: string;
  tree: string;
  parents: string[];
  author: Person;
  committer: Person;
}
export interface TreeListing {
  path: string;
  mode: string;
  type: "blob" | "tree";
  sha: string;
  size?: number;
}

const sha1 = (...parts: (string | Uint8Array)[]) => {
  const hash = createHash("sha1");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
};
/** git's object id: sha1 of `<type> <byte length>\0<bytes>`. */
const objectSha = (type: string, bytes: Uint8Array) => sha1(`${type} ${bytes.byteLength}\0`, bytes);
const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export class GitStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, FlatTree>();
  readonly commits = new Map<string, StoredCommit>();
  /** Full ref name (`refs/heads/main`) -> commit sha. */
  readonly refs = new Map<string, string>();

  addBlob(bytes: Uint8Array): string {
    const sha = objectSha("blob", bytes);
    this.blobs.set(sha, Buffer.from(bytes));
    return sha;
  }

  /** Hashes the tree (and its subtrees) as git would and registers each one; returns the root tree's sha. */
  addTree(files: FlatTree): string {
    const children = new Map<string, { mode: string; sha: string; tree: boolean }>();
    const dirs = new Map<string, FlatTree>();
    for (const [path, file] of files) {
      const slash = path.indexOf("/");
      if (slash < 0) {
        children.set(path, { mode: file.mode, sha: file.sha, tree: false });
        continue;
      }
      const dir = path.slice(0, slash);
      if (!dirs.has(dir)) dirs.set(dir, new Map());
      dirs.get(dir)!.set(path.slice(slash + 1), file);
    }
    for (const [dir, sub] of dirs) children.set(dir, { mode: "40000", sha: this.addTree(sub), tree: true });
    // git sorts entries by name, comparing a subtree's name as if it ended with "/".
    const key = (name: string) => (children.get(name)!.tree ? `${name}/` : name);
    const names = [...children.keys()].sort((a, b) => Buffer.compare(Buffer.from(key(a)), Buffer.from(key(b))));
    const body = Buffer.concat(names.map((name) => {
      const child = children.get(name)!;
      return Buffer.concat([Buffer.from(`${child.mode} ${name}\0`), Buffer.from(child.sha, "hex")]);
    }));
    const sha = objectSha("tree", body);
    this.trees.set(sha, new Map(files));
    return sha;
  }

  /** Stores each file's bytes as a blob and returns the tree of exactly these files. */
  writeFiles(files: Map<string, { bytes: Uint8Array; mode: FileMode }>): string {
    return this.addTree(new Map([...files].map(([path, f]) => [path, { sha: this.addBlob(f.bytes), mode: f.mode }])));
  }

  /** The direct children of a tree, as the trees API lists them (not recursive). */
  listTree(sha: string): TreeListing[] {
    const files = this.trees.get(sha)!;
    const listing: TreeListing[] = [];
    const dirs = new Map<string, FlatTree>();
    for (const [path, file] of files) {
      const [first, ...rest] = path.split("/");
      if (!rest.length) listing.push({ path, mode: file.mode, type: "blob", sha: file.sha, size: this.blobs.get(file.sha)!.byteLength });
      else dirs.set(first, (dirs.get(first) ?? new Map()).set(rest.join("/"), file));
    }
    for (const [dir, sub] of dirs) listing.push({ path: dir, mode: "040000", type: "tree", sha: this.addTree(sub) });
    return listing.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  addCommit(input: { message: string; tree: string; parents: string[]; author: Person; committer?: Person }): StoredCommit {
    const committer = input.committer ?? input.author;
    const person = (p: Person) => `${p.name} <${p.email}> ${unixSeconds(p.date)} +0000`;
    const text = [`tree ${input.tree}`, ...input.parents.map((p) => `parent ${p}`), `author ${person(input.author)}`, `committer ${person(committer)}`, "", input.message].join("\n");
    const sha = objectSha("commit", Buffer.from(text));
    const stored: StoredCommit = { sha, message: input.message, tree: input.tree, parents: [...input.parents], author: input.author, committer };
    this.commits.set(sha, stored);
    return stored;
  }

  /** A branch name, `heads/x`, `refs/heads/x`, or a full or abbreviated (4+ hex) commit sha -> commit sha. */
  resolve(ref: string): string | undefined {
    for (const name of [`refs/heads/${ref}`, `refs/${ref}`, ref]) {
      const sha = this.refs.get(name);
      if (sha) return sha;
    }
    if (!/^[0-9a-f]{4,40}$/i.test(ref)) return undefined;
    const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(ref.toLowerCase()));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Every commit reachable from `sha`, itself included. */
  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length) {
      const next = queue.pop()!;
      if (seen.has(next) || !this.commits.has(next)) continue;
      seen.add(next);
      queue.push(...this.commits.get(next)!.parents);
    }
    return seen;
  }

  /** Commits reachable from head but not from base, parents before children (what compare and a pull list). */
  commitsBetween(base: string, head: string): StoredCommit[] {
    const excluded = this.ancestors(base);
    const ordered: StoredCommit[] = [];
    const visit = (sha: string) => {
      if (excluded.has(sha) || !this.commits.has(sha)) return;
      excluded.add(sha);
      for (const parent of this.commits.get(sha)!.parents) visit(parent);
      ordered.push(this.commits.get(sha)!);
    };
    visit(head);
    return ordered;
  }

  /** The newest commit both sides reach (good enough for the linear histories tests build). */
  mergeBase(base: string, head: string): string | undefined {
    const reachable = this.ancestors(base);
    const queue = [head];
    const seen = new Set<string>();
    while (queue.length) {
      const sha = queue.shift()!;
      if (reachable.has(sha)) return sha;
      if (seen.has(sha) || !this.commits.has(sha)) continue;
      seen.add(sha);
      queue.push(...this.commits.get(sha)!.parents);
    }
    return undefined;
  }

  /** path -> bytes and mode of every file in a commit. */
  files(commitSha: string): Map<string, { bytes: Buffer; mode: FileMode }> {
    const tree = this.trees.get(this.commits.get(commitSha)!.tree)!;
    return new Map([...tree].map(([path, file]) => [path, { bytes: this.blobs.get(file.sha)!, mode: file.mode }]));
  }
}
