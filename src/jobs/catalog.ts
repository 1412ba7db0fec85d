import type { AnyJobDefinition } from "./define.ts";

/**
 * The job types this process knows. Workers only claim rows whose name is here, so a process running older code
 * leaves unknown jobs to the processes that can run them.
 */
export class JobCatalog {
  private readonly byName = new Map<string, AnyJobDefinition>();

  register(...defs: AnyJobDefinition[]): void {
    for (const def of defs) {
      const existing = this.byName.get(def.name);
      if (existing && existing !== def) throw new Error(`job "${def.name}" is already registered by another definition`);
      this.byName.set(def.name, def);
    }
  }

  get(name: string): AnyJobDefinition | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Names an operator may enqueue over HTTP, sorted for stable error messages. */
  operatorEnqueueable(): string[] {
    return [...this.byName.values()]
      .filter((def) => def.operatorEnqueueable)
      .map((def) => def.name)
      .sort();
  }
}
