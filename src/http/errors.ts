import { Elysia } from "elysia";
import { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";

export const NO_STORE = "no-store";

/** Turns Elysia's validation report into one sentence that names the field. */
function describeValidation(error: { all?: unknown; message: string }): string {
  const issues = (Array.isArray(error.all) ? error.all : []) as { path?: string; message?: string; summary?: string; schema?: { error?: string } }[];
  const first = issues[0];
  if (!first) return "Request validation failed";
  const field = (first.path ?? "").replace(/^\//, "").replaceAll("/", ".") || "body";
  const message = first.schema?.error ?? first.message ?? first.summary ?? "is invalid";
  return `${field}: ${message}`;
}

/**
 * The one place where failures become HTTP responses: `{ "error": "…" }`, the right status, never a stack.
 * `onError` is global so it also catches unknown routes (404) and unparsable bodies (400).
 */
export const errorHandler = (log: Logger) =>
  new Elysia({ name: "error-handler" }).onError({ as: "global" }, ({ code, error: raised, set, request, path }) => {
    set.headers["cache-control"] = NO_STORE;
    // A body refused while parsing (too large, too deep) arrives wrapped in the framework's ParseError.
    const cause = (raised as { cause?: unknown }).cause;
    const error: unknown = code === "PARSE" && cause instanceof AppError ? cause : raised;
    if (error instanceof AppError) {
      Object.assign(set.headers, error.headers);
      set.status = error.status;
      return { error: error.message };
    }
    switch (code) {
      case "VALIDATION":
        set.status = 422;
        return { error: describeValidation(error as never) };
      case "NOT_FOUND":
        set.status = 404;
        return { error: `No route for ${request.method} ${path}` };
      case "PARSE":
        set.status = 400;
        return { error: "Request body could not be parsed: send valid JSON with Content-Type: application/json" };
      case "INVALID_COOKIE_SIGNATURE":
      case "INVALID_FILE_TYPE":
        set.status = 400;
        return { error: (error as Error).message };
      default: {
        const status = typeof (error as { status?: unknown }).status === "number" ? (error as { status: number }).status : 500;
        if (status >= 400 && status < 500) {
          set.status = status;
          return { error: (error as Error).message || "Bad request" };
        }
        log.error({ err: error, method: request.method, path }, "unhandled error");
        set.status = 500;
        return { error: "Internal server error" };
      }
    }
  });
