import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { parseCidrList } from "../../src/config/cidrs.ts";
import { ConfigError } from "../../src/config/index.ts";
import { postPinned, type Resolver, resolveWebhookTarget, WebhookUrlRefused } from "../../src/webhooks/index.ts";
import { WebhookReceiver } from "../fakes/webhook-receiver.ts";

/**
 * The SSRF guard and the pinned-address client, over real sockets: each vector of the issue is refused, and
 * allowed once its range is in CRITIQUE_WEBHOOK_ALLOWED_CIDRS; the name is resolved once and the connection goes
 * to the address that was checked (DNS rebinding), with SNI and certificate checks still on the host name.
 */
const refuse = async (url: string, cidrs = "", resolve?: Resolver) => {
  const error = await resolveWebhookTarget(url, { allowedCidrs: parseCidrList(cidrs), resolve }).catch((e) => e);
  expect(error).toBeInstanceOf(WebhookUrlRefused);
  return (error as Error).message;
};
const allow = (url: string, cidrs: string, resolve?: Resolver) => resolveWebhookTarget(url, { allowedCidrs: parseCidrList(cidrs), resolve });
const answers =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

const VECTORS: { name: string; url: string; cidr: string; address: string; resolve?: Resolver }[] = [
  { name: "loopback", url: "http://127.0.0.1:9/hook", cidr: "127.0.0.0/8", address: "127.0.0.1" },
  { name: "10/8", url: "https://10.1.2.3/hook", cidr: "10.0.0.0/8", address: "10.1.2.3" },
  { name: "172.16/12", url: "https://172.20.0.9/hook", cidr: "172.16.0.0/12", address: "172.20.0.9" },
  { name: "192.168/16", url: "https://192.168.1.20/hook", cidr: "192.168.0.0/16", address: "192.168.1.20" },
  { name: "cloud metadata", url: "http://169.254.169.254/latest/meta-data/", cidr: "169.254.169.254/32", address: "169.254.169.254" },
  { name: "[::1]", url: "http://[::1]:9/hook", cidr: "::1/128", address: "::1" },
  { name: "IPv4-mapped IPv6", url: "http://[::ffff:127.0.0.1]:9/hook", cidr: "127.0.0.0/8", address: "127.0.0.1" },
  { name: "0.0.0.0", url: "http://0.0.0.0:9/hook", cidr: "0.0.0.0/8", address: "0.0.0.0" },
  { name: "decimal IP", url: "http://2130706433:9/hook", cidr: "127.0.0.0/8", address: "127.0.0.1" },
  { name: "octal IP", url: "http://0177.0.0.1:9/hook", cidr: "127.0.0.0/8", address: "127.0.0.1" },
  { name: "hex IP", url: "http://0x7f.1:9/hook", cidr: "127.0.0.0/8", address: "127.0.0.1" },
  { name: "a name resolving to a private address", url: "https://hooks.internal.example/x", cidr: "10.0.0.0/8", address: "10.9.8.7", resolve: answers("10.9.8.7") },
  { name: "localhost (system resolver)", url: "http://localhost:9/hook", cidr: "127.0.0.0/8,::1/128", address: "" },
  { name: "carrier-grade NAT metadata", url: "https://100.100.100.200/", cidr: "100.64.0.0/10", address: "100.100.100.200" },
  { name: "IPv6 unique-local metadata", url: "https://[fd00:ec2::254]/", cidr: "fc00::/7", address: "fd00:ec2::254" },
];

describe("each SSRF vector is refused, and allowed when its range is allowed", () => {
  for (const v of VECTORS) {
    test(v.name, async () => {
      expect(await refuse(v.url, "", v.resolve)).toMatch(/loopback|private|link-local|unspecified|carrier-grade|unique-local/);
      const target = await allow(v.url, v.cidr, v.resolve);
      if (v.address) expect(target.address).toBe(v.address);
      else expect(["127.0.0.1", "::1"]).toContain(target.address);
    });
  }
});

test("IPv4-compatible IPv6 (::a.b.c.d, which some stacks route to the IPv4 address) is never public", async () => {
  for (const url of ["https://[::127.0.0.1]/", "https://[::7f00:1]/x", "https://[::10.0.0.1]/", "https://[::8.8.8.8]/"]) {
    expect(await refuse(url)).toMatch(/IPv4-compatible IPv6/);
  }
  expect((await allow("https://[::127.0.0.1]/", "::/96")).address).toBe("::7f00:1");
});

test("public https passes without configuration; plain http, credentials and other schemes do not", async () => {
  expect((await allow("https://93.184.215.14/hook", "")).address).toBe("93.184.215.14");
  expect((await allow("https://hooks.example.com/x", "", answers("93.184.215.14"))).address).toBe("93.184.215.14");
  expect(await refuse("http://93.184.215.14/hook")).toMatch(/must use https/);
  expect(await refuse("https://user:pw@93.184.215.14/")).toMatch(/credentials/);
  expect(await refuse("ftp://93.184.215.14/")).toMatch(/https URL/);
  // One bad answer among good ones is enough to refuse the name.
  expect(await refuse("https://mixed.example/", "", answers("93.184.215.14", "10.0.0.1"))).toMatch(/mixed\.example resolves to a private/);
  expect(await refuse("https://nowhere.invalid/", "", async () => [])).toMatch(/does not resolve/);
});

test("CRITIQUE_WEBHOOK_ALLOWED_CIDRS is parsed strictly at start-up", () => {
  expect(parseCidrList("127.0.0.0/8, ::1 10.0.0.0/8").map((c) => c.text)).toEqual(["127.0.0.0/8", "::1/128", "10.0.0.0/8"]);
  expect(() => parseCidrList("10.1/8")).toThrow(ConfigError);
  expect(() => parseCidrList("127.0.0.1/33")).toThrow(/CRITIQUE_WEBHOOK_ALLOWED_CIDRS: "127.0.0.1\/33"/);
});

describe("the pinned-address client", () => {
  let receiver: WebhookReceiver;
  let trap: WebhookReceiver;
  beforeAll(() => {
    receiver = WebhookReceiver.start();
    trap = WebhookReceiver.start();
  });
  afterAll(() => {
    receiver.stop();
    trap.stop();
  });

  test("DNS rebinding: the name is resolved once, and the checked address is the one connected to", async () => {
    const port = new URL(receiver.url).port;
    let calls = 0;
    // First answer passes the guard; any later lookup would point at another address (the trap, or worse).
    const rebinding: Resolver = async () => (calls++ === 0 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.0.0.1", family: 4 }]);
    const target = await allow(`http://rebind.invalid:${port}/hooks/critique`, "127.0.0.1/32", rebinding);
    const answer = await postPinned(target, '{"ok":true}', { "content-type": "application/json" }, { timeoutMs: 8_000 });
    expect(answer.status).toBe(200);
    expect(calls).toBe(1);
    const [delivery] = await receiver.waitForDeliveries(1);
    // The name only exists in our resolver: the request reached the pinned address under the original Host.
    expect(delivery.headers.host).toBe(`rebind.invalid:${port}`);
    expect(delivery.rawBody).toBe('{"ok":true}');
  });

  test("every loopback form reaches the receiver once its range is allowed", async () => {
    const port = new URL(receiver.url).port;
    const before = receiver.deliveries.length;
    const forms = [`http://localhost:${port}/a`, `http://2130706433:${port}/b`, `http://0177.0.0.1:${port}/c`, `http://[::ffff:127.0.0.1]:${port}/d`, `http://0.0.0.0:${port}/e`];
    for (const url of forms) {
      const target = await allow(url, "127.0.0.0/8,::1/128,0.0.0.0/8");
      expect((await postPinned(target, "{}", {}, { timeoutMs: 8_000 })).status).toBe(200);
    }
    expect(receiver.deliveries.slice(before).map((d) => d.path)).toEqual(["/a", "/b", "/c", "/d", "/e"]);
  });

  test("[::1] reaches an IPv6 loopback receiver once ::1/128 is allowed", async () => {
    const server = Bun.serve({ port: 0, hostname: "::1", fetch: () => new Response("v6") });
    try {
      const target = await allow(`http://[::1]:${server.port}/v6`, "::1/128");
      const answer = await postPinned(target, "{}", {}, { timeoutMs: 8_000 });
      expect([answer.status, answer.body]).toEqual([200, "v6"]);
    } finally {
      server.stop(true);
    }
  });

  test("redirects are not followed", async () => {
    receiver.respond({ path: "/moved", status: 302, headers: { location: `${trap.url}/stolen` }, body: "" });
    const target = await allow(`${receiver.url}/moved`, "127.0.0.0/8");
    const answer = await postPinned(target, "{}", {}, { timeoutMs: 8_000 });
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe(`${trap.url}/stolen`);
    await Bun.sleep(200);
    expect(trap.deliveries).toHaveLength(0);
  });

  test("https: pinned address, while SNI and the certificate check use the host name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "critique-tls-"));
    const gen = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2", "-subj", "/CN=hooks.example", "-addext", "subjectAltName=DNS:hooks.example"]);
    expect(gen.exitCode).toBe(0);
    const cert = readFileSync(join(dir, "cert.pem"), "utf8");
    const key = readFileSync(join(dir, "key.pem"), "utf8");
    const seen: { sni: string; host: string }[] = [];
    const server = createServer({ cert, key }, (req, res) => {
      seen.push({ sni: (req.socket as TLSSocket).servername as string, host: req.headers.host ?? "" });
      res.end("tls ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const pinTo = answers("127.0.0.1");
      const good = await allow(`https://hooks.example:${port}/x`, "127.0.0.1/32", pinTo);
      const answer = await postPinned(good, "{}", {}, { timeoutMs: 8_000, ca: cert });
      expect([answer.status, answer.body]).toEqual([200, "tls ok"]);
      expect(seen).toEqual([{ sni: "hooks.example", host: `hooks.example:${port}` }]);
      // Same address, another name: the certificate does not match it, so the request is refused.
      const wrongName = await allow(`https://other.example:${port}/x`, "127.0.0.1/32", pinTo);
      await expect(postPinned(wrongName, "{}", {}, { timeoutMs: 8_000, ca: cert })).rejects.toThrow(/altnames|certificate|hostname/i);
      // And without trusting the test CA, a self-signed certificate is refused.
      await expect(postPinned(good, "{}", {}, { timeoutMs: 8_000 })).rejects.toThrow(/self.signed|certificate/i);
    } finally {
      server.close();
    }
  });

  test("a receiver that does not answer within the timeout is an error, not a hang", async () => {
    receiver.respond({ path: "/slow", delayMs: 3_000 });
    const target = await allow(`${receiver.url}/slow`, "127.0.0.0/8");
    await expect(postPinned(target, "{}", {}, { timeoutMs: 300 })).rejects.toThrow(/no response within/);
  });
});
