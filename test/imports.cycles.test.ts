/**
 * The import graph stays free of cycles, so each folder can be read alone: no module imports itself back through
 * others, and no two folders (src/<area>, plugins/<surface>) import each other. Code that must notice another
 * surface's events goes through the core port (src/hooks.ts); a job that is enqueued where its handler would
 * import the enqueuer back is declared apart from its handler (declareJob).
 */
import { describe, expect, test } from "bun:test";
import { dirname, relative, resolve } from "node:path";
import { Glob } from "bun";

const ROOT = resolve(import.meta.dir, "..");
const transpiler = new Bun.Transpiler({ loader: "ts" });

async function importGraph(): Promise<Map<string, string[]>> {
  const files = [...new Glob("{src,plugins,db}/**/*.ts").scanSync(ROOT)].filter((f) => !f.endsWith(".d.ts"));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = (await Bun.file(resolve(ROOT, file)).text()).replace(/^#!.*\n/, "");
    // What runs: type-only imports vanish at build time (a shared type, such as AppContext, may point back).
    const imports = transpiler.scanImports(source).filter((i) => i.path.startsWith(".")).map((i) => relative(ROOT, resolve(ROOT, dirname(file), i.path)));
    graph.set(file, [...new Set(imports.filter((i) => known.has(i)))]);
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** `src/credits/ledger.ts` → `src/credits`; files directly under src/ or plugins/ are their own area. */
const area = (file: string) => file.split("/").slice(0, 2).join("/");

describe("import graph", () => {
  test("has no module cycles", async () => {
    expect(cycles(await importGraph())).toEqual([]);
  });

  test("has no folder cycles", async () => {
    const folders = new Map<string, string[]>();
    for (const [file, imports] of await importGraph()) {
      const from = area(file);
      const targets = imports.map(area).filter((to) => to !== from);
      folders.set(from, [...new Set([...(folders.get(from) ?? []), ...targets])]);
    }
    expect(cycles(folders)).toEqual([]);
  });

  test("would see a cycle", () => {
    expect(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]))).toEqual([["a", "b", "c"]]);
  });
});
