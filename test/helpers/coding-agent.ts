import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureUser } from "../../src/auth/users.ts";
import { grantInstallation } from "../../src/github/installations.ts";
import { AgentUpstream } from "../fakes/agent-upstream.ts";
import { FakeGitHub } from "../fakes/github.ts";
import { waitFor } from "./jobs.ts";
import { startTestServer, type TestServer } from "./server.ts";

/** Prices of the agent's model (credits per million tokens) and of sandbox time (credits per minute). */
export const AGENT_PRICES = { input: 10, output: 30, sandboxPerMinute: 0.6 };

export interface CodingAgentHarness {
  server: TestServer;
  github: FakeGitHub;
  upstream: AgentUpstream;
  /** A repository on installation 501, controlled by `alice`, with these files on `main`. */
  repo: string;
  baseSha: string;
  /** POST a run as `key`; returns the response and its JSON. */
  createRun(key: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<{ res: Response; body: any }>;
  getRun(key: string, id: string): Promise<any>;
  /** Waits (bounded) until the run reaches one of the statuses. */
  waitStatus(key: string, id: string, statuses: string[], timeoutMs?: number): Promise<any>;
  stop(): Promise<void>;
}

let dirs = 0;

export async function startCodingAgent(options: { env?: Record<string, string>; codingAgent?: Record<string, unknown> } = {}): Promise<CodingAgentHarness> {
  const github = FakeGitHub.start();
  const upstream = AgentUpstream.start();
  const repo = "acme/widgets";
  github.addRepo(repo, { installationId: 501 });
  const baseSha = github.setBranch(repo, "main", { "README.md": "# Widgets\n", "src/hello.txt": "hello world\n", "scripts/build.sh": { content: "#!/bin/sh\necho build\n", executable: true } });
  const dir = mkdtempSync(join(tmpdir(), `critique-agent-${dirs++}-`));
  const config = {
    providers: [{ id: "agent", baseUrl: upstream.fake.baseURL, timeoutMs: 10_000, allowByok: true }],
    models: [
      { id: "coder", targets: [{ provider: "agent", model: "up-coder" }], inputPricePerMillion: AGENT_PRICES.input, outputPricePerMillion: AGENT_PRICES.output, contextWindow: 64_000, maxOutputTokens: 4_000 },
      { id: "other", targets: [{ provider: "agent", model: "up-other" }] },
    ],
    codingAgent: { defaultModel: "coder", idleTtlSeconds: 60, heartbeatSeconds: 0.5, sandboxPricePerMinute: AGENT_PRICES.sandboxPerMinute, ...options.codingAgent },
  };
  const file = join(dir, "critique.yaml");
  writeFileSync(file, Bun.YAML.stringify(config));
  const server = await startTestServer({ CRITIQUE_CONFIG: file, ...github.env(), ...options.env });
  const alice = await ensureUser(server.server.ctx, "alice");
  await grantInstallation(server.server.ctx, "501", alice.id);

  const getRun = async (key: string, id: string) => ((await (await server.request(`/api/v1/coding-agent/runs/${id}`, { key })).json()) as { run: any }).run;
  return {
    server,
    github,
    upstream,
    repo,
    baseSha,
    async createRun(key, body, headers = {}) {
      const res = await server.request("/api/v1/coding-agent/runs", { method: "POST", key, json: body, headers });
      return { res, body: await res.json() };
    },
    getRun,
    waitStatus: (key, id, statuses, timeoutMs = 20_000) =>
      waitFor(`run ${id} to be ${statuses.join(" or ")}`, async () => {
        const run = await getRun(key, id);
        return statuses.includes(run.status) ? run : undefined;
      }, timeoutMs),
    async stop() {
      await server.stop();
      github.stop();
      upstream.stop();
    },
  };
}

export interface StreamedEvent {
  id: number;
  event: string;
  data: any;
}

/**
 * Reads a run's SSE stream until `until` says so (or the stream ends), bounded by `timeoutMs`; returns the events
 * and the comment lines (heartbeats) seen.
 */
export async function readStream(
  server: TestServer,
  key: string,
  runId: string,
  options: { lastEventId?: string; until?: (events: StreamedEvent[]) => boolean; timeoutMs?: number } = {},
): Promise<{ status: number; contentType: string | null; events: StreamedEvent[]; comments: number }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 20_000);
  const headers: Record<string, string> = options.lastEventId === undefined ? {} : { "last-event-id": options.lastEventId };
  const res = await server.request(`/api/v1/coding-agent/runs/${runId}/stream`, { key, headers, signal: controller.signal });
  const events: StreamedEvent[] = [];
  let comments = 0;
  try {
    if (res.status !== 200 || !res.body) return { status: res.status, contentType: res.headers.get("content-type"), events, comments };
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        if (block.startsWith(":")) {
          comments++;
          continue;
        }
        const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        events.push({ id: Number(field("id")), event: field("event") ?? "", data: JSON.parse(field("data") ?? "null") });
      }
      if (options.until?.(events)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { status: res.status, contentType: res.headers.get("content-type"), events, comments };
}
