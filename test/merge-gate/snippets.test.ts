import { describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { type ChangedFile, fromGitHubEntry, fromUnifiedDiff } from "../../plugins/merge-gate/analysis/diff.ts";
import { scanAddedLinesForSecrets } from "../../plugins/merge-gate/analysis/secrets.ts";
import { boundSnippet, findingSnippets, headLines, SNIPPET_LIMITS } from "../../plugins/merge-gate/pipeline/snippets.ts";
import { GITHUB_TOKEN, routePatch, secretFile } from "./harness.ts";

const ROUTE = "src/app/api/admin/users/route.ts";
const route = fromGitHubEntry({ filename: ROUTE, status: "modified", additions: 6, deletions: 1, patch: routePatch });
const at = (filePath: string | null, startLine: number | null, endLine: number | null = startLine, rule = "model-rule") => ({ filePath, startLine, endLine, rule });

/** An added file whose head lines are `lines` (1-based). */
function addedFile(path: string, lines: string[]): ChangedFile {
  const patch = `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join("\n")}`;
  return fromGitHubEntry({ filename: path, status: "added", additions: lines.length, deletions: 0, patch });
}

describe("snippet extraction from the parsed diff", () => {
  test("the head lines startLine..endLine, added and context alike, deletions skipped", async () => {
    // Head 10–12: context, context, then (after the deleted requireAdmin) the first added line.
    expect(headLines(route, 11, 13)).toEqual(["  const body = await req.json();", "  const users = await db.users.findMany();", "  for (const user of users) {"]);
    const [snippet] = await findingSnippets([at(ROUTE, 13, 15)], [route]);
    expect(snippet).toBe(["  for (const user of users) {", "    await db.audit.insert({ user: user.id });", "  }"].join("\n"));
  });

  test("a whole unified diff works the same; a single line without endLine is that line", async () => {
    const [file] = fromUnifiedDiff(`diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n${routePatch}\n`);
    expect(file.path).toBe("src/a.ts");
    expect(await findingSnippets([at("src/a.ts", 16, null)], [file])).toEqual(["  await notify(body);"]);
  });

  test("outside the diff, before the hunk, unanchored or in a file not in the change → null", async () => {
    const snippets = await findingSnippets([at(ROUTE, 40, 44), at(ROUTE, 3, 9), at(ROUTE, null), at(null, null), at("src/other.ts", 11, 12)], [route]);
    expect(snippets).toEqual([null, null, null, null, null]);
  });

  test("a start line the diff does not show gives nothing (the page numbers lines from startLine); a gap ends the snippet", () => {
    expect(headLines(route, 8, 11)).toEqual([]);
    const twoHunks = fromGitHubEntry({ filename: "x.ts", status: "modified", additions: 2, deletions: 0, patch: "@@ -1,1 +1,2 @@\n a\n+b\n@@ -20,1 +21,2 @@\n c\n+d" });
    expect(headLines(twoHunks, 1, 22)).toEqual(["a", "b"]);
  });

  test("a file without a patch (binary, too large) has no snippet", async () => {
    const binary = fromGitHubEntry({ filename: "logo.png", status: "added", additions: 0, deletions: 0 });
    expect(await findingSnippets([at("logo.png", 1, 1)], [binary])).toEqual([null]);
  });

  test("CRLF endings are dropped, and the '\\ No newline at end of file' marker is not a line", () => {
    const crlf = fromGitHubEntry({ filename: "w.txt", status: "modified", additions: 1, deletions: 0, patch: "@@ -1,1 +1,2 @@\n a\r\n+b\r\n\\ No newline at end of file" });
    expect(headLines(crlf, 1, 2)).toEqual(["a", "b"]);
  });
});

describe("bounds", () => {
  test(`at most ${SNIPPET_LIMITS.lines} lines`, async () => {
    const file = addedFile("long.ts", Array.from({ length: 30 }, (_, i) => `line ${i + 1}`));
    const [snippet] = await findingSnippets([at("long.ts", 3, 30)], [file]);
    expect(snippet!.split("\n")).toEqual(Array.from({ length: 12 }, (_, i) => `line ${i + 3}`));
  });

  test(`each line at most ${SNIPPET_LIMITS.lineChars} characters, cut with an ellipsis and never inside a surrogate pair`, async () => {
    const file = addedFile("wide.ts", [`x${"a".repeat(999)}`, "short"]);
    const [snippet] = await findingSnippets([at("wide.ts", 1, 2)], [file]);
    const [first, second] = snippet!.split("\n");
    expect(first.length).toBe(300);
    expect(first.endsWith("…")).toBe(true);
    expect(second).toBe("short");
    const emoji = boundSnippet([`${"a".repeat(298)}😀😀`])!;
    expect(emoji.length).toBeLessThanOrEqual(300);
    expect(emoji).toBe(`${"a".repeat(298)}…`);
  });

  test(`at most ${SNIPPET_LIMITS.totalChars} characters in all: the line that does not fit ends it`, async () => {
    const file = addedFile("big.ts", Array.from({ length: 12 }, (_, i) => `${i}`.padEnd(299, "b")));
    const [snippet] = await findingSnippets([at("big.ts", 1, 12)], [file]);
    expect(snippet!.length).toBeLessThanOrEqual(2000);
    expect(snippet!.split("\n")).toHaveLength(6); // 6 × 299 + 5 newlines = 1,799; a 7th would make 2,099
  });

  test("blank lines only → null", () => {
    expect(boundSnippet(["", "   ", "\t"])).toBeNull();
  });
});

describe("secrets are never stored", () => {
  const secrets = fromGitHubEntry({ filename: secretFile.filename, status: "added", additions: 3, deletions: 0, patch: secretFile.patch! });

  test("the secret finding's snippet masks the token the way its summary does (asterisks of the same length)", async () => {
    const [finding] = await scanAddedLinesForSecrets([secrets]);
    expect(finding.rule).toBe("secret:github");
    expect(finding.summary).toContain("*".repeat(GITHUB_TOKEN.length));
    const [snippet] = await findingSnippets([finding], [secrets]);
    expect(snippet).not.toBeNull();
    expect(snippet).not.toContain(GITHUB_TOKEN);
    expect(snippet).not.toContain(GITHUB_TOKEN.slice(4, 20));
    expect(snippet).toBe(`  token: "${"*".repeat(GITHUB_TOKEN.length)}",`);
  });

  test("any other finding over the secret's line is masked too", async () => {
    const [snippet] = await findingSnippets([at(secretFile.filename, 1, 3)], [secrets]);
    expect(snippet).toBe(["export const config = {", `  token: "${"*".repeat(GITHUB_TOKEN.length)}",`, "};"].join("\n"));
  });

  test("a secret in a context line (not scanned as added) is masked as well", async () => {
    const context = fromGitHubEntry({ filename: "old.ts", status: "modified", additions: 1, deletions: 0, patch: `@@ -1,1 +1,2 @@\n const t = "${GITHUB_TOKEN}";\n+export { t };` });
    const [snippet] = await findingSnippets([at("old.ts", 1, 2)], [context]);
    expect(snippet).not.toContain(GITHUB_TOKEN);
    expect(snippet).toContain("*".repeat(GITHUB_TOKEN.length));
  });

  test("a secret cut by the 300-character limit is masked before the cut", async () => {
    const file = addedFile("cut.ts", [`const t = "${"y".repeat(270)}", u = "${GITHUB_TOKEN}";`]);
    const [snippet] = await findingSnippets([at("cut.ts", 1, 1)], [file]);
    expect(snippet).not.toBeNull();
    expect(snippet).not.toContain(GITHUB_TOKEN.slice(0, 12));
  });

  test("a multi-line secret (a private key) cannot be masked reliably: no snippet, for it or for any finding inside it", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const pem = privateKey.trim().split("\n");
    const file = addedFile("key.ts", ["const key = `", ...pem, "`;", "export default key;"]);
    const [finding] = await scanAddedLinesForSecrets([file]);
    expect(finding.rule).toBe("secret:privatekey");
    const snippets = await findingSnippets([finding, at("key.ts", 4, 6), at("key.ts", 1, 3), at("key.ts", pem.length + 3, pem.length + 3)], [file]);
    expect(snippets.slice(0, 3)).toEqual([null, null, null]);
    expect(snippets[3]).toBe("export default key;");
    for (const s of snippets) for (const body of pem.slice(1, -1)) expect(s ?? "").not.toContain(body);
  });

  test("a secret finding whose lines show nothing the scanner can find stores no snippet", async () => {
    const [snippet] = await findingSnippets([at(ROUTE, 13, 13, "secret:github")], [route]);
    expect(snippet).toBeNull();
  });
});
