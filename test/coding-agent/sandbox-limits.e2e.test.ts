import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { type CodingAgentHarness, readStream, startCodingAgent } from "../helpers/coding-agent.ts";

/** The local sandbox's memory cap (a cgroup): a command that allocates past it is killed, the run goes on. */
const cgroups = existsSync("/sys/fs/cgroup/memory/memory.limit_in_bytes") || existsSync("/sys/fs/cgroup/cgroup.controllers");
let h: CodingAgentHarness;
beforeAll(async () => {
  h = await startCodingAgent({ codingAgent: { local: { memoryMb: 2_048 } } });
});
afterAll(() => h.stop());

test.skipIf(!cgroups)("a command allocating past memoryMb is killed inside the sandbox; the agent reports it and the run goes IDLE", async () => {
  const key = await h.server.key(["read:builder", "write:builder"]);
  // `tail` keeps the whole (newline-free) line in memory: 3.5 GB against a 2 GiB cap, so it (not OpenCode, a few hundred MB) is the process the kernel picks.
  h.upstream.script({ tool: "bash", command: 'head -c 3500000000 /dev/zero | tail > /dev/null; echo "exit=$?"' }, { say: "It ran out of memory." });
  const { body } = await h.createRun(key, { prompt: "Use memory" });
  const run = await h.waitStatus(key, body.run.id, ["IDLE", "FAILED"], 60_000);
  expect(run.status).toBe("IDLE");
  const { events } = await readStream(h.server, key, run.id, { until: (e) => e.some((x) => x.event === "turn.completed") });
  expect(events.find((e) => e.event === "command.output")!.data.output).toContain("exit=137");
}, 90_000);
