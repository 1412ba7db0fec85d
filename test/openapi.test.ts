import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { z } from "zod";
import { buildOpenApiDocument } from "../src/http/openapi-document.ts";
import { docsPage, fetchOpenApiYaml, validateOpenApi } from "./helpers/openapi.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

describe("GET /api/v1/openapi", () => {
  test("is YAML, public, no-store, and a valid OpenAPI 3.1 document whose $refs all resolve", async () => {
    const { res, doc } = await fetchOpenApiYaml(s.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("application/yaml");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(doc.openapi).toStartWith("3.1.");
    const result = await validateOpenApi(doc);
    if (!result.valid) console.error(result.errors);
    expect(result.valid).toBe(true);
    expect(result.version).toBe("3.1");
  });

  test("documents the routes mounted so far, and not the docs plumbing", async () => {
    const { doc } = await fetchOpenApiYaml(s.url);
    const paths = Object.keys(doc.paths);
    for (const path of ["/healthz", "/readyz", "/metrics", "/api/v1/me", "/api/v1/openapi"]) expect(paths).toContain(path);
    expect(paths.filter((path) => path.startsWith("/api/docs"))).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain("$defs");
  });

  test("declares the bearer scheme; key-protected routes use it and document 401, public ones do not", async () => {
    const { doc } = await fetchOpenApiYaml(s.url);
    expect(doc.components.securitySchemes?.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    const me = doc.paths["/api/v1/me"]!.get!;
    expect(me.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(me.responses ?? {})).toEqual(expect.arrayContaining(["200", "401"]));
    for (const path of ["/healthz", "/readyz", "/metrics", "/api/v1/openapi"]) expect(doc.paths[path]!.get!.security).toEqual([]);
  });

  test("every /api/v1 operation but the document itself is key-protected, documents 401, and 403 when it needs a scope", async () => {
    const { doc } = await fetchOpenApiYaml(s.url);
    const operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/api/v1/") && path !== "/api/v1/openapi")
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })));
    expect(operations.length).toBeGreaterThan(0);
    for (const { name, operation } of operations) {
      const scopes = operation.security?.[0]?.bearer;
      expect({ name, scopes: Array.isArray(scopes) }).toEqual({ name, scopes: true });
      expect({ name, has401: "401" in (operation.responses ?? {}) }).toEqual({ name, has401: true });
      if (scopes!.length) expect({ name, has403: "403" in (operation.responses ?? {}) }).toEqual({ name, has403: true });
    }
  });

  test("is the same document the docs UI loads as JSON, and needs no key even when a bad one is sent", async () => {
    const { doc } = await fetchOpenApiYaml(s.url, { authorization: "Bearer crt_not_a_real_key" });
    expect(doc).toBeDefined();
    const json = await (await s.request("/api/docs/openapi.json")).json();
    expect(json).toEqual(doc);
  });
});

describe("/api/docs", () => {
  test("is an HTML page that names no other host and loads only same-origin assets", async () => {
    const { res, html, references } = await docsPage(s.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('"withDefaultFonts":false');
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) expect(reference).toMatch(/^\/[^/]/);
  });

  test("serves the embedded Scalar script (gzip when asked, plain otherwise)", async () => {
    const { references } = await docsPage(s.url);
    for (const reference of references) {
      const res = await s.request(reference);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/javascript");
      expect(res.headers.get("content-encoding")).toBe("gzip"); // fetch asks for gzip and decodes it
      expect(await res.text()).toContain("createApiReference");
      const plain = await fetch(`${s.url}${reference}`, { headers: { "accept-encoding": "identity" }, decompress: false });
      expect(plain.headers.get("content-encoding")).toBeNull();
      expect(await plain.text()).toContain("createApiReference");
    }
  });
});

describe("document normalisation", () => {
  // Shapes the route generator cannot inline on its own: a shared `.meta({ id })` schema used by a body, a
  // response and a query parameter, and a recursive root.
  const Label = z.object({ name: z.string(), color: z.string().default("grey") }).meta({ id: "OpenApiTestLabel" });
  const Tree: z.ZodType<{ name: string; children: unknown[] }> = z.object({ name: z.string(), get children() { return z.array(Tree); } });
  const app = new Elysia()
    .post("/labels", ({ body }) => ({ created: body.label, all: [body.label] }), { body: z.object({ label: Label }), response: { 200: z.object({ created: Label, all: z.array(Label) }) } })
    .get("/labels", () => [], { query: z.object({ like: Label.optional() }) })
    .post("/trees", ({ body }) => body, { body: Tree, response: Tree });

  test("moves zod's local $defs into components and every $ref resolves", async () => {
    const doc = buildOpenApiDocument(app);
    const result = await validateOpenApi(doc);
    if (!result.valid) console.error(result.errors);
    expect(result.valid).toBe(true);
    expect(JSON.stringify(doc)).not.toContain("$defs");
    expect(JSON.stringify(doc)).not.toContain('"$ref":"#"');
    const schemas = doc.components.schemas as Record<string, { required?: string[] }>;
    // Output and input differ (a default makes `color` optional on the way in): two components, one per direction.
    expect(schemas.OpenApiTestLabel!.required).toEqual(["name", "color"]);
    expect(schemas.OpenApiTestLabelInput!.required).toEqual(["name"]);
    const post = doc.paths["/labels"]!.post!;
    expect(post.requestBody.content["application/json"].schema.properties.label.$ref).toBe("#/components/schemas/OpenApiTestLabelInput");
    expect(Object.keys(post.requestBody.content)).toEqual(["application/json"]);
    const query = doc.paths["/labels"]!.get!.parameters[0];
    expect(query.schema.$ref).toBe("#/components/schemas/OpenApiTestLabelInput");
  });
});
