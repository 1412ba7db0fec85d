/**
 * Aho–Corasick over lower-case ASCII keywords: one pass over a line tells which keywords it contains, so each
 * rule's regex runs only on lines that have one of its keywords (hundreds of `includes` calls per line would cost
 * more than the regexes they save). Characters outside ASCII restart the automaton.
 */
export class KeywordIndex {
  private readonly next: Int32Array[] = [];
  private readonly fail: number[] = [];
  private readonly out: number[][] = [];
  readonly keywords: string[];

  constructor(keywords: Iterable<string>) {
    this.keywords = [...new Set(keywords)].filter((k) => k.length > 0);
    this.state();
    this.keywords.forEach((keyword, id) => {
      let s = 0;
      for (let i = 0; i < keyword.length; i++) {
        const c = keyword.charCodeAt(i);
        if (c > 127) throw new Error(`keyword ${keyword} is not ASCII`);
        if (this.next[s][c] === 0) this.next[s][c] = this.state();
        s = this.next[s][c];
      }
      this.out[s].push(id);
    });
    // Breadth-first: failure links, then a complete transition table (no failure walks while scanning).
    const queue: number[] = [];
    for (let c = 0; c < 128; c++) if (this.next[0][c] !== 0) queue.push(this.next[0][c]);
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q];
      this.out[s].push(...this.out[this.fail[s]]);
      for (let c = 0; c < 128; c++) {
        const t = this.next[s][c];
        if (t !== 0) {
          this.fail[t] = this.next[this.fail[s]][c];
          queue.push(t);
        } else this.next[s][c] = this.next[this.fail[s]][c];
      }
    }
  }

  private state(): number {
    this.next.push(new Int32Array(128));
    this.fail.push(0);
    this.out.push([]);
    return this.next.length - 1;
  }

  /** The ids of the keywords `lower` (already lower-cased) contains, each once. */
  find(lower: string, seen: Uint8Array): number[] {
    seen.fill(0);
    const found: number[] = [];
    let s = 0;
    for (let i = 0; i < lower.length; i++) {
      const c = lower.charCodeAt(i);
      s = c < 128 ? this.next[s][c] : 0;
      const hits = this.out[s];
      if (hits.length) {
        for (const id of hits) {
          if (seen[id] === 0) {
            seen[id] = 1;
            found.push(id);
          }
        }
      }
    }
    return found;
  }
}
