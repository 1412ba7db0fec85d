import { z } from "zod";

/**
 * zod writes each route's JSON Schema as a self-contained document: shared (`.meta({ id })`) and recursive parts
 * go to a local `$defs` with `$ref: "#/$defs/…"` (or `"#"` for a recursive root). Inlined into an OpenAPI document,
 * those references point at the document root and do not resolve. This moves every such definition to
 * `components.schemas` and rewrites the references, so the document validates and tools can follow it.
 */
type Schema = Record<string, unknown>;
type Io = "input" | "output";
export interface SchemaRoot {
  holder: Record<string, unknown>;
  key: string;
  io: Io;
  /** Name for the component if the root itself must move (a recursive root). */
  label: string;
}

const DEFS_REF = "#/$defs/";
const COMPONENT_REF = "#/components/schemas/";
const JSON_SCHEMA_2020 = "https://json-schema.org/draft/2020-12/schema";

export class ComponentSchemas {
  /** Generated form of each placed schema, to reuse a name only for the same shape. */
  private readonly placed = new Map<string, string>();
  constructor(private readonly schemas: Record<string, unknown>) {}

  /** Moves every local definition of the schema at `root` into the components and rewrites its references. */
  hoist(root: SchemaRoot): void {
    const schema = root.holder[root.key] as Schema | undefined;
    if (!schema || typeof schema !== "object") return;
    if (schema.$schema === JSON_SCHEMA_2020) delete schema.$schema; // OpenAPI 3.1's default dialect
    const defs = (schema.$defs ?? {}) as Record<string, Schema>;
    delete schema.$defs;
    const names = new Map<string, string>();
    for (const [id, def] of Object.entries(defs)) names.set(id, this.claim(id, def, root.io));
    const selfName = hasRef(schema, "#") ? this.claim(root.label, schema, root.io) : undefined;
    const target = (ref: string): string | undefined => {
      if (ref === "#" && selfName) return COMPONENT_REF + selfName;
      if (!ref.startsWith(DEFS_REF)) return undefined;
      const id = ref.slice(DEFS_REF.length);
      return COMPONENT_REF + (names.get(id) ?? this.fromRegistry(id, root.io));
    };
    rewriteRefs(schema, target);
    for (const [id, def] of Object.entries(defs)) {
      rewriteRefs(def, target);
      this.schemas[names.get(id)!] ??= def;
    }
    if (selfName) {
      this.schemas[selfName] ??= schema;
      root.holder[root.key] = { $ref: COMPONENT_REF + selfName };
    }
  }

  /** A name for this definition: its id when free or already holding the same shape, else a suffixed one. */
  private claim(id: string, def: Schema, io: Io): string {
    const generated = JSON.stringify(def);
    const base = id.replace(/[^A-Za-z0-9._-]/g, "_");
    const candidates = io === "output" ? [base] : [base, `${base}Input`];
    for (let round = 1; ; round++) {
      for (const candidate of candidates) {
        const name = round === 1 ? candidate : `${candidate}${round}`;
        const existing = this.placed.get(name);
        if (existing === generated) return name;
        if (existing === undefined && !(name in this.schemas)) {
          this.placed.set(name, generated);
          return name;
        }
      }
    }
  }

  /**
   * The generator splits query/path/header objects into single parameters and drops their `$defs`: look the
   * id up in zod's registry (where `.meta({ id })` put it) and place it like any other definition.
   */
  private fromRegistry(id: string, io: Io): string {
    const registered = z.globalRegistry._idmap.get(id);
    if (!registered) throw new Error(`OpenAPI: $ref ${DEFS_REF}${id} matches no schema`);
    const holder = { schema: z.toJSONSchema(registered, { io, target: "draft-2020-12", unrepresentable: "any" }) as Schema };
    this.hoist({ holder, key: "schema", io, label: id });
    const ref = (holder.schema as Schema).$ref;
    if (typeof ref !== "string" || !ref.startsWith(COMPONENT_REF)) throw new Error(`OpenAPI: ${id} did not become a component`);
    return ref.slice(COMPONENT_REF.length);
  }
}

function hasRef(node: unknown, ref: string): boolean {
  if (Array.isArray(node)) return node.some((item) => hasRef(item, ref));
  if (!node || typeof node !== "object") return false;
  return Object.entries(node).some(([key, value]) => (key === "$ref" ? value === ref : hasRef(value, ref)));
}

function rewriteRefs(node: unknown, target: (ref: string) => string | undefined): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteRefs(item, target);
    return;
  }
  if (!node || typeof node !== "object") return;
  const record = node as Schema;
  for (const [key, value] of Object.entries(record)) {
    if (key === "$ref" && typeof value === "string") record.$ref = target(value) ?? value;
    else rewriteRefs(value, target);
  }
}
