import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { AuthenticationError, SandboxError, SandboxNotFoundError } from "e2b";
import { type E2BClient, sdkClient } from "../../plugins/coding-agent/sandbox/e2b-client.ts";
import { FakeE2B } from "../fakes/e2b.ts";

/** The real `e2b` SDK behind `sdkClient`, against a local fake of E2B's control-plane REST API. */

/** Every URL the process fetches during the tests: the SDK must only talk to the fakes' API (never to a sandbox's envd). */
const fetched: string[] = [];
const realFetch = globalThis.fetch;

let fake: FakeE2B;
let client: E2BClient;

beforeAll(async () => {
  globalThis.fetch = Object.assign((input: string | URL | Request, init?: RequestInit) => {
    fetched.push(input instanceof Request ? input.url : String(input));
    return realFetch(input, init);
  }, realFetch);
  fake = FakeE2B.start({ apiKey: "e2b_right_key", domain: "sandboxes.example.internal" });
  client = await sdkClient(fake.env());
});

afterEach(() => {
  const elsewhere = fetched.filter((url) => !url.startsWith("http://127.0.0.1:"));
  fetched.length = 0;
  fake.reset();
  expect(elsewhere).toEqual([]);
});

afterAll(() => {
  globalThis.fetch = realFetch;
  fake.stop();
});

const create = (c: E2BClient = client) => c.create({ template: "critique-opencode", timeoutMs: 90_500, metadata: { critiqueRunId: "run_1" } });

describe("sdkClient against the fake E2B API", () => {
  test("create: one POST /v2/sandboxes with the template, the timeout in seconds, the metadata and the key; nothing else", async () => {
    const machine = await create();
    expect(fake.requests.map((r) => r.route)).toEqual(["POST /v2/sandboxes"]);
    const [request] = fake.requests;
    expect(request.headers["x-api-key"]).toBe("e2b_right_key");
    expect(request.headers["content-type"]).toContain("application/json");
    expect(request.body).toEqual({ templateID: "critique-opencode", timeout: 91, metadata: { critiqueRunId: "run_1" } });
    const [sandbox] = fake.inState("running");
    expect(machine.sandboxId).toBe(sandbox.sandboxID);
    expect(sandbox).toMatchObject({ templateID: "critique-opencode", metadata: { critiqueRunId: "run_1" }, timeout: 91, autoPause: false });
  });

  test("url(port) is https://<port>-<id>.<E2B_DOMAIN> (the self-hosted domain)", async () => {
    const machine = await create();
    expect(machine.url(4096)).toBe(`https://4096-${machine.sandboxId}.sandboxes.example.internal`);
  });

  test("url(port) uses the domain the API answers with, over E2B_DOMAIN", async () => {
    const other = FakeE2B.start({ apiKey: "k", domain: "client.example", sandboxDomain: "api-chosen.example" });
    try {
      const machine = await create(await sdkClient(other.env()));
      expect(machine.url(8080)).toBe(`https://8080-${machine.sandboxId}.api-chosen.example`);
    } finally {
      other.stop();
    }
  });

  test.skipIf(!!process.env.E2B_DOMAIN)("without E2B_DOMAIN the SDK builds hosts on e2b.app, even with E2B_API_URL set", async () => {
    const { E2B_API_KEY, E2B_API_URL } = fake.env();
    const machine = await create(await sdkClient({ E2B_API_KEY, E2B_API_URL, E2B_DOMAIN: undefined }));
    expect(machine.url(4096)).toBe(`https://4096-${machine.sandboxId}.e2b.app`);
  });

  test("connect(id, timeout): POST /v2/sandboxes/{id}/connect with the run's timeout, never shortening a running one", async () => {
    const created = await client.create({ template: "critique-opencode", timeoutMs: 3_600_000, metadata: {} });
    const endAt = fake.sandbox(created.sandboxId).endAt;
    const machine = await client.connect(created.sandboxId, 1_800_000);
    expect(machine.sandboxId).toBe(created.sandboxId);
    expect(machine.url(4096)).toBe(created.url(4096));
    const connects = fake.requestsTo("POST /v2/sandboxes/{sandboxID}/connect");
    expect(connects.map((r) => r.path)).toEqual([`/v2/sandboxes/${created.sandboxId}/connect`]);
    expect(connects[0].body).toEqual({ timeout: 1_800 });
    expect(connects[0].headers["x-api-key"]).toBe("e2b_right_key");
    expect(fake.sandbox(created.sandboxId)).toMatchObject({ state: "running", resumes: 0, timeout: 3_600, endAt });
  });

  test("pause(): POST /sandboxes/{id}/pause; connect(id, timeout) then resumes it with that timeout (not E2B's 300 s default)", async () => {
    const created = await create();
    await created.pause();
    const pauses = fake.requestsTo("POST /sandboxes/{sandboxID}/pause");
    expect(pauses.map((r) => [r.path, r.body])).toEqual([[`/sandboxes/${created.sandboxId}/pause`, {}]]);
    expect(fake.sandbox(created.sandboxId)).toMatchObject({ state: "paused", pauses: 1 });

    // Pausing a paused sandbox is E2B's 409, which the SDK turns into `false`: no error.
    await created.pause();
    expect(fake.sandbox(created.sandboxId).pauses).toBe(1);

    const resumed = await client.connect(created.sandboxId, 1_800_000);
    expect(resumed.sandboxId).toBe(created.sandboxId);
    expect(fake.sandbox(created.sandboxId)).toMatchObject({ state: "running", resumes: 1, timeout: 1_800 });
  });

  test("machine.kill(): DELETE /sandboxes/{id}; killing it again is a 404 the SDK swallows", async () => {
    const machine = await create();
    await machine.kill();
    expect(fake.requestsTo("DELETE /sandboxes/{sandboxID}").map((r) => r.path)).toEqual([`/sandboxes/${machine.sandboxId}`]);
    expect(fake.sandbox(machine.sandboxId)).toMatchObject({ state: "killed", killedBy: "api" });
    await machine.kill();
    expect(fake.requestsTo("DELETE /sandboxes/{sandboxID}")).toHaveLength(2);
  });

  test("client.kill(id): true for a running or paused sandbox, false for an unknown or killed one", async () => {
    const running = await create();
    expect(await client.kill(running.sandboxId)).toBe(true);
    expect(fake.sandbox(running.sandboxId).state).toBe("killed");
    expect(await client.kill(running.sandboxId)).toBe(false);

    const paused = fake.seed({ state: "paused" });
    expect(await client.kill(paused.sandboxID)).toBe(true);
    expect(fake.sandbox(paused.sandboxID).state).toBe("killed");

    expect(await client.kill("nosuchsandbox0000000")).toBe(false);
    expect(fake.requestsTo("DELETE /sandboxes/{sandboxID}").map((r) => r.path)).toEqual([
      `/sandboxes/${running.sandboxId}`,
      `/sandboxes/${running.sandboxId}`,
      `/sandboxes/${paused.sandboxID}`,
      "/sandboxes/nosuchsandbox0000000",
    ]);
  });

  test("connect(id) of a killed or unknown sandbox throws SandboxNotFoundError", async () => {
    const machine = await create();
    await client.kill(machine.sandboxId);
    await expect(client.connect(machine.sandboxId, 1_800_000)).rejects.toBeInstanceOf(SandboxNotFoundError);
    await expect(client.connect("nosuchsandbox0000000", 1_800_000)).rejects.toThrow("Paused sandbox nosuchsandbox0000000 not found");
  });

  test("connect(id) reattaches to a sandbox another process created, and to one whose timeout paused it", async () => {
    const seeded = fake.seed({ templateID: "critique-opencode", metadata: { critiqueRunId: "run_9" }, autoPause: true });
    fake.expire(seeded.sandboxID);
    expect(fake.sandbox(seeded.sandboxID).state).toBe("paused");
    const machine = await client.connect(seeded.sandboxID, 1_800_000);
    expect(machine.sandboxId).toBe(seeded.sandboxID);
    expect(machine.url(4096)).toBe(`https://4096-${seeded.sandboxID}.sandboxes.example.internal`);
    expect(fake.sandbox(seeded.sandboxID)).toMatchObject({ state: "running", resumes: 1 });
  });

  test("a wrong key is E2B's 401, surfaced as AuthenticationError by every operation", async () => {
    const wrong = await sdkClient({ ...fake.env(), E2B_API_KEY: "e2b_wrong_key" });
    const seeded = fake.seed();
    const failure = await create(wrong).catch((error) => error);
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(failure.message).toStartWith("Unauthorized, please check your credentials. - Invalid API key");
    await expect(wrong.connect(seeded.sandboxID, 1_800_000)).rejects.toBeInstanceOf(AuthenticationError);
    await expect(wrong.kill(seeded.sandboxID)).rejects.toBeInstanceOf(AuthenticationError);
    expect(fake.requests.map((r) => [r.route, r.headers["x-api-key"]])).toEqual([
      ["POST /v2/sandboxes", "e2b_wrong_key"],
      ["POST /v2/sandboxes/{sandboxID}/connect", "e2b_wrong_key"],
      ["DELETE /sandboxes/{sandboxID}", "e2b_wrong_key"],
    ]);
    expect(fake.inState("running").map((s) => s.sandboxID)).toEqual([seeded.sandboxID]);
  });

  test.skipIf(!!process.env.E2B_API_KEY)("no key at all: AuthenticationError before any request", async () => {
    const keyless = await sdkClient({ ...fake.env(), E2B_API_KEY: undefined });
    await expect(create(keyless)).rejects.toThrow("API key is required");
    expect(fake.requests).toEqual([]);
  });

  test("an unknown template is E2B's 404, surfaced as SandboxError `404: template '<name>' not found`", async () => {
    const strict = FakeE2B.start({ apiKey: "k", templates: ["base"] });
    try {
      const failure = await create(await sdkClient(strict.env())).catch((error) => error);
      expect(failure).toBeInstanceOf(SandboxError);
      expect(failure.message).toBe("404: template 'critique-opencode' not found");
      expect(strict.sandboxes.size).toBe(0);
    } finally {
      strict.stop();
    }
  });

  test("a 429 with Retry-After is retried by the SDK; a 500 is a SandboxError with E2B's message", async () => {
    fake.fail("POST /v2/sandboxes", { status: 429, headers: { "retry-after": "0" }, body: { code: 429, message: "slow down" } });
    const machine = await create();
    expect(fake.requestsTo("POST /v2/sandboxes")).toHaveLength(2);
    expect(fake.sandbox(machine.sandboxId).state).toBe("running");

    fake.fail("POST /v2/sandboxes/{sandboxID}/connect", { status: 500, body: { code: 500, message: "orchestrator unavailable" } });
    await expect(client.connect(machine.sandboxId, 1_800_000)).rejects.toThrow("500: orchestrator unavailable");
  });
});
