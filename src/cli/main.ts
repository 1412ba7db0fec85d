#!/usr/bin/env bun
import { restartWithoutPurging } from "./allocator.ts";

// Before the program loads: `serve` may restart itself once with allocator settings (see allocator.ts).
restartWithoutPurging();
await import("./program.ts");
