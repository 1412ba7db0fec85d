import { defineConfig } from "drizzle-kit";

export default defineConfig({ dialect: "postgresql", schema: "./db/pg.ts", out: "./db/migrations/pg" });
