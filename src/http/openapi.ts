import { ScalarRender } from "@elysiajs/openapi/scalar";
import { Elysia } from "elysia";
import { assetPath } from "../paths.ts";
import { API_INFO, buildOpenApiDocument } from "./openapi-document.ts";

export const DOCS_ROUTES = {
  yaml: "/api/v1/openapi",
  ui: "/api/docs",
  json: "/api/docs/openapi.json",
  script: "/api/docs/scalar.js",
} as const;

/** Scalar's self-contained browser bundle, embedded by the build script's `--asset=` (see package.json). */
const SCALAR_SCRIPT = "node_modules/@scalar/api-reference/dist/browser/standalone.js";
type ScalarConfig = Parameters<typeof ScalarRender>[1];
// Plain object: `agent` is newer than the @scalar/types release the plugin's types come from.
const SCALAR_CONFIG = {
  url: DOCS_ROUTES.json,
  cdn: DOCS_ROUTES.script,
  withDefaultFonts: false,
  telemetry: false,
  showDeveloperTools: "never",
  agent: { disabled: true },
  mcp: { disabled: true },
} as const;

/**
 * The API's own description, public (no key): `GET /api/v1/openapi` as YAML, the same document as JSON for the UI,
 * and the Scalar reference UI with its script served from the binary: air-gapped installs reach no CDN and no
 * font host, and the UI's calls home (telemetry, AI agent, MCP helpers) are switched off.
 * The document is built on first request, once every route is mounted, and kept.
 */
export const apiDocs = () => {
  const plugin = new Elysia({ name: "api-docs" });
  const spec = once(() => buildOpenApiDocument(plugin));
  // From a JSON copy: shared objects would otherwise come out as YAML anchors and aliases.
  const yaml = once(() => Bun.YAML.stringify(JSON.parse(JSON.stringify(spec())), null, 2));
  const page = once(() => ScalarRender(API_INFO, { ...SCALAR_CONFIG } as unknown as ScalarConfig));
  const script = once(async () => {
    const plain = await Bun.file(assetPath(SCALAR_SCRIPT)).bytes();
    return { plain, gzip: Bun.gzipSync(plain) };
  });
  const hidden = { detail: { hide: true } };

  return plugin
    .get(
      DOCS_ROUTES.ui,
      ({ set }) => {
        set.headers["content-type"] = "text/html; charset=utf-8";
        return page();
      },
      hidden,
    )
    .get(DOCS_ROUTES.json, () => spec(), hidden)
    .get(
      DOCS_ROUTES.script,
      async ({ request, set }) => {
        const { plain, gzip } = await script();
        set.headers["content-type"] = "text/javascript; charset=utf-8";
        // A static asset of 4 MB: let browsers keep it for a day rather than the API's no-store.
        set.headers["cache-control"] = "public, max-age=86400";
        set.headers.vary = "accept-encoding";
        if (!/\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")) return plain;
        set.headers["content-encoding"] = "gzip";
        return gzip;
      },
      hidden,
    )
    .get(
      DOCS_ROUTES.yaml,
      ({ set }) => {
        set.headers["content-type"] = "application/yaml; charset=utf-8";
        return yaml();
      },
      {
        detail: {
          tags: ["Documentation"],
          summary: "This API as an OpenAPI 3.1 document (YAML)",
          responses: { 200: { description: "The OpenAPI document", content: { "application/yaml": { schema: { type: "string" } } } } },
        },
      },
    );
};

/** Computes on first use and keeps the result (a rejected promise is kept too: the asset is missing for good). */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
