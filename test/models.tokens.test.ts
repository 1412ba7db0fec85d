import { expect, test } from "bun:test";
import { countTokens as exact } from "gpt-tokenizer/encoding/o200k_base";
import { linearCounts } from "../src/models/linear-counts.ts";
import { countTokens, rememberingCounts } from "../src/models/tokens.ts";

/** A batch counter that counts characters and remembers what it was asked. */
function fakeCounter() {
  const asked: string[] = [];
  const count = async (texts: string[]) => {
    asked.push(...texts);
    return { counts: texts.map((t) => t.length), exact: true };
  };
  return { asked, count };
}
/** The same content as a new string object each time, as a request body parsed anew would give. */
const text = (letter: string, length: number) => Array.from({ length }, () => letter).join("");

test("a long text is counted once however often it comes back; short texts are counted each time", async () => {
  const fake = fakeCounter();
  const count = rememberingCounts(fake.count);
  for (let i = 0; i < 3; i++) expect(await count([text("a", 1_000)])).toEqual([1_000]);
  for (let i = 0; i < 3; i++) expect(await count(["user"])).toEqual([4]);
  expect(await count([""])).toEqual([0]);
  expect(fake.asked.filter((t) => t.length === 1_000)).toHaveLength(1);
  expect(fake.asked.filter((t) => t === "user")).toHaveLength(3);
  expect(fake.asked).toHaveLength(4);
});

test("one batch asks once for each distinct text, and answers in order", async () => {
  const fake = fakeCounter();
  const count = rememberingCounts(fake.count);
  expect(await count(["user", text("b", 300), "", "user", "assistant", text("b", 300)])).toEqual([4, 300, 0, 4, 9, 300]);
  expect(fake.asked).toEqual(["user", text("b", 300), "assistant"]);
});

test("what is remembered stays within maxChars, least recently used out first", async () => {
  const fake = fakeCounter();
  const count = rememberingCounts(fake.count, 1_000);
  await count([text("a", 400)]);
  await count([text("b", 400)]);
  await count([text("a", 400)]); // a is now the most recently used
  await count([text("c", 400)]); // 1,200 chars: b goes
  fake.asked.length = 0;
  await count([text("a", 400), text("c", 400)]);
  expect(fake.asked).toHaveLength(0);
  await count([text("b", 400)]);
  expect(fake.asked).toHaveLength(1);
});

test("past a request's exact budget, texts are bounded by their UTF-8 bytes, not counted, not remembered", async () => {
  const fake = fakeCounter();
  const count = rememberingCounts(fake.count, 8_000_000, 700);
  const big = `${text("é", 300)}${text("x", 300)}`;
  expect(await count([text("a", 400), big])).toEqual([400, 900]);
  expect(fake.asked).toEqual([text("a", 400)]);
  // Alone it fits the budget: counted then (a byte bound was not remembered as its count).
  expect(await count([big])).toEqual([600]);
});

test("a partial answer (the worker ran out of time) is used but not remembered", async () => {
  let calls = 0;
  const count = rememberingCounts(async (texts) => {
    calls++;
    return { counts: texts.map((t) => t.length * 2), exact: false };
  });
  expect(await count([text("a", 300)])).toEqual([600]);
  expect(await count([text("a", 300)])).toEqual([600]);
  expect(calls).toBe(2);
});

test("the shared counter gives the tokenizer's own counts, remembered or not", async () => {
  const long = Array.from({ length: 300 }, (_, i) => `line ${i}: the quick brown fox`).join("\n");
  const say = "Say something about foxes.";
  expect(await countTokens([long, `${long}`, say, "user"])).toEqual([exact(long), exact(long), exact(say), exact("user")]);
  // Again: the long one remembered, the rest counted anew, the same.
  expect(await countTokens([say, long])).toEqual([exact(say), exact(long)]);
});

test("long unbroken runs are counted in pieces: linear time, within a few tokens per piece of the exact count (issue 19)", async () => {
  const count = async (text: string) => (await countTokens([text]))[0]!;
  // Exact where nothing is long: ordinary prose and code are counted whole.
  const prose = Array.from({ length: 2_000 }, (_, i) => `word${i} and more`).join(" ");
  expect(await count(prose)).toBe(exact(prose));
  // 200 KB of one letter (quadratic for the BPE as one piece: many seconds) counts in milliseconds of CPU.
  const flood = `start ${"a".repeat(200_000)} end`;
  const started = process.cpuUsage();
  const tokens = await count(flood);
  const cpuMs = (process.cpuUsage(started).user + process.cpuUsage(started).system) / 1000;
  expect(cpuMs).toBeLessThan(1_000);
  const exactPiece = exact("a".repeat(128));
  expect(tokens).toBeGreaterThanOrEqual(Math.floor(200_000 / 128) * exactPiece);
  expect(tokens).toBeLessThanOrEqual(Math.ceil(200_000 / 128) * exactPiece + exact("start  end") + 2);
  // A base64 blob is close to its exact count (pieces add at most about one token each).
  const blob = Buffer.from(Uint8Array.from({ length: 3_000 }, (_, i) => (i * 7919) % 256)).toString("base64");
  expect(Math.abs((await count(blob)) - exact(blob))).toBeLessThanOrEqual(Math.ceil(blob.length / 128) + 2);
});

test("once the worker's time is spent, the rest of a text is bounded by its bytes: never below the count", () => {
  const count = linearCounts(exact);
  const blob = Buffer.from(Uint8Array.from({ length: 30_000 }, (_, i) => (i * 7919 + (i >> 8)) % 256)).toString("base64");
  const counted = count(blob);
  let checks = 0;
  // Spent after ten pieces: those are counted, the rest is its byte length.
  const bounded = count(blob, () => ++checks > 10);
  expect(bounded).toBeGreaterThan(counted);
  expect(bounded).toBeLessThan(blob.length);
  expect(count(blob, () => true)).toBe(blob.length);
  expect(count("héllo wörld", () => true)).toBe(Buffer.byteLength("héllo wörld"));
});
