import { expect, test } from "bun:test";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { rememberingCounts, tokenCounter } from "../src/models/tokens.ts";

/** A counter that counts characters and how often it was asked. */
function fakeCounter() {
  const asked: string[] = [];
  const count = (text: string) => {
    asked.push(text);
    return text.length;
  };
  return { asked, count };
}
/** The same content as a new string object each time, as a request body parsed anew would give. */
const text = (letter: string, length: number) => Array.from({ length }, () => letter).join("");

test("a long text is counted once however often it comes back; short texts are counted each time", () => {
  const fake = fakeCounter();
  const count = rememberingCounts(fake.count);
  for (let i = 0; i < 3; i++) expect(count(text("a", 1_000))).toBe(1_000);
  for (let i = 0; i < 3; i++) expect(count("user")).toBe(4);
  expect(count("")).toBe(0);
  expect(fake.asked.filter((t) => t.length === 1_000)).toHaveLength(1);
  expect(fake.asked.filter((t) => t === "user")).toHaveLength(3);
  expect(fake.asked).toHaveLength(4);
});

test("what is remembered stays within maxChars, least recently used out first", () => {
  const fake = fakeCounter();
  const count = rememberingCounts(fake.count, 1_000);
  count(text("a", 400));
  count(text("b", 400));
  count(text("a", 400)); // a is now the most recently used
  count(text("c", 400)); // 1,200 chars: b goes
  fake.asked.length = 0;
  count(text("a", 400));
  count(text("c", 400));
  expect(fake.asked).toHaveLength(0);
  count(text("b", 400));
  expect(fake.asked).toHaveLength(1);
});

test("the shared counter gives the tokenizer's own counts, remembered or not", async () => {
  const count = await tokenCounter();
  const long = Array.from({ length: 300 }, (_, i) => `line ${i}: the quick brown fox`).join("\n");
  expect(count(long)).toBe(countTokens(long));
  expect(count(`${long}`)).toBe(countTokens(long));
  expect(count("Say something about foxes.")).toBe(countTokens("Say something about foxes."));
});

test("long unbroken runs are counted in pieces: linear time, within a few tokens per piece of the exact count (issue 19)", async () => {
  const count = await tokenCounter();
  // Exact where nothing is long: ordinary prose and code are counted whole.
  const prose = Array.from({ length: 2_000 }, (_, i) => `word${i} and more`).join(" ");
  expect(count(prose)).toBe(countTokens(prose));
  // 200 KB of one letter (quadratic for the BPE as one piece: many seconds) counts in milliseconds of CPU.
  const flood = `start ${"a".repeat(200_000)} end`;
  const started = process.cpuUsage();
  const tokens = count(flood);
  const cpuMs = (process.cpuUsage(started).user + process.cpuUsage(started).system) / 1000;
  expect(cpuMs).toBeLessThan(1_000);
  const exactPiece = countTokens("a".repeat(128));
  expect(tokens).toBeGreaterThanOrEqual(Math.floor(200_000 / 128) * exactPiece);
  expect(tokens).toBeLessThanOrEqual(Math.ceil(200_000 / 128) * exactPiece + countTokens("start  end") + 2);
  // A base64 blob is close to its exact count (pieces add at most about one token each).
  const blob = Buffer.from(Uint8Array.from({ length: 3_000 }, (_, i) => (i * 7919) % 256)).toString("base64");
  expect(Math.abs(count(blob) - countTokens(blob))).toBeLessThanOrEqual(Math.ceil(blob.length / 128) + 2);
});
