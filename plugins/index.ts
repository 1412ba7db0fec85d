import type { Elysia } from "elysia";
import type { AppContext } from "../src/context.ts";

/** Every product surface, mounted by the app in this order. Each is a named Elysia instance. */
export function plugins(_ctx: AppContext): Elysia<any, any, any, any, any, any, any>[] {
  return [];
}
