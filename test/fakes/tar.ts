import { gzipSync } from "node:zlib";

/**
 * A gzipped tarball laid out like the ones GitHub's codeload serves (they come from `git archive`): a pax global
 * header carrying the commit sha as `comment`, then one top directory `<owner>-<repo>-<sha7>/` with every directory
 * and file under it, ustar headers owned by root, and the archive padded to a 10240-byte record.
 */
export interface TarFile {
  bytes: Uint8Array;
  /** `100755` files get 0755, symlinks (`120000`, bytes = target) become link entries, the rest 0644 (directories 0755). */
  mode: string;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function header(name: string, input: { size: number; mode: number; type: string; mtime: number; linkname?: string }): Buffer {
  const block = Buffer.alloc(BLOCK);
  let path = name;
  let prefix = "";
  if (Buffer.byteLength(path) > 100) {
    // ustar splits a long path at a slash into prefix (155 bytes) and name (100 bytes).
    const cut = path.lastIndexOf("/", path.length - 2);
    prefix = path.slice(0, cut);
    path = path.slice(cut + 1);
  }
  block.write(path, 0, 100);
  block.write(octal(input.mode, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(input.size, 12), 124);
  block.write(octal(input.mtime, 12), 136);
  block.write(" ".repeat(8), 148);
  block.write(input.type, 156);
  block.write(input.linkname ?? "", 157, 100);
  block.write("ustar\0", 257);
  block.write("00", 263);
  block.write("root", 265);
  block.write("root", 297);
  block.write(prefix, 345, 155);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return block;
}

const padded = (bytes: Uint8Array) => Buffer.concat([Buffer.from(bytes), Buffer.alloc((BLOCK - (bytes.byteLength % BLOCK)) % BLOCK)]);

/** A pax record: `<length> <key>=<value>\n`, where the length counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body);
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function entry(name: string, input: { bytes: Uint8Array; mode: number; type: string; mtime: number; linkname?: string }): Buffer[] {
  const blocks: Buffer[] = [];
  const tooLong = Buffer.byteLength(name) > 100 && !/^.{1,155}\/[^/]{1,100}\/?$/.test(name);
  if (tooLong) {
    // Paths ustar cannot split go into a pax extended header, as git archive does.
    const pax = Buffer.from(paxRecord("path", name));
    blocks.push(header("PaxHeader", { size: pax.byteLength, mode: 0o644, type: "x", mtime: input.mtime }), padded(pax));
  }
  blocks.push(header(tooLong ? name.slice(-100).replace(/^\/+/, "") : name, { ...input, size: input.bytes.byteLength }));
  if (input.bytes.byteLength) blocks.push(padded(input.bytes));
  return blocks;
}

export function githubTarball(top: string, sha: string, files: Map<string, TarFile>, mtime: number): Buffer {
  const blocks: Buffer[] = [];
  const global = Buffer.from(paxRecord("comment", sha));
  blocks.push(header("pax_global_header", { size: global.byteLength, mode: 0o666, type: "g", mtime }), padded(global));
  const dirs = new Set<string>();
  const paths = [...files.keys()].sort();
  for (const path of paths) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  const none = new Uint8Array();
  blocks.push(...entry(`${top}/`, { bytes: none, mode: 0o755, type: "5", mtime }));
  // git archive writes a directory just before its contents: sort directories (with a trailing slash) and files together.
  const names = [...[...dirs].map((d) => `${d}/`), ...paths].sort();
  for (const name of names) {
    if (name.endsWith("/")) {
      blocks.push(...entry(`${top}/${name}`, { bytes: none, mode: 0o755, type: "5", mtime }));
      continue;
    }
    const file = files.get(name)!;
    if (file.mode === "120000") blocks.push(...entry(`${top}/${name}`, { bytes: none, mode: 0o777, type: "2", mtime, linkname: Buffer.from(file.bytes).toString() }));
    else blocks.push(...entry(`${top}/${name}`, { bytes: file.bytes, mode: file.mode === "100755" ? 0o755 : 0o644, type: "0", mtime }));
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  const tar = Buffer.concat(blocks);
  return gzipSync(Buffer.concat([tar, Buffer.alloc((10240 - (tar.byteLength % 10240)) % 10240)]));
}
