import { Validator } from "@seriousme/openapi-schema-validator";
import { parse } from "yaml";

export type OpenApiDoc = {
  openapi: string;
  paths: Record<string, Record<string, { security?: Record<string, string[]>[]; responses?: Record<string, unknown>; description?: string }>>;
  components: { securitySchemes?: Record<string, { type: string; scheme?: string }>; schemas?: Record<string, unknown> };
};

/** `GET /api/v1/openapi`, parsed by an independent YAML parser (not the one that wrote it). */
export async function fetchOpenApiYaml(baseUrl: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}/api/v1/openapi`, { headers });
  const text = await res.text();
  return { res, text, doc: (res.ok ? parse(text) : undefined) as OpenApiDoc };
}

/** Validates against the OpenAPI 3.x JSON Schemas, including that every `$ref` resolves. */
export async function validateOpenApi(doc: object) {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc) as Record<string, unknown>);
  return { valid: result.valid, version: validator.version, errors: JSON.stringify(result.errors ?? [], null, 2) };
}

/** The docs page and every script, stylesheet, image or frame it references. */
export async function docsPage(baseUrl: string) {
  const res = await fetch(`${baseUrl}/api/docs`);
  const html = await res.text();
  const references: string[] = [];
  const collect = (attribute: string) => ({
    element(element: HTMLRewriterTypes.Element) {
      const value = element.getAttribute(attribute);
      if (value) references.push(value);
    },
  });
  new HTMLRewriter()
    .on("script[src]", collect("src"))
    .on("link[href]", collect("href"))
    .on("img[src]", collect("src"))
    .on("iframe[src]", collect("src"))
    .transform(html);
  return { res, html, references };
}
