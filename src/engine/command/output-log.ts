/**
 * What a child printed that is not a protocol step (its stderr, and its stdout's other lines), kept
 * for runs/<id>/output.log in bounded memory: the first `headBytes` and the last `tailBytes`, with
 * the number of bytes left out between them — a script that floods its output still leaves the
 * start (the setup, the first warnings) and the end (the traceback). Pure.
 */
export class BoundedLog {
  private readonly head: string[] = [];
  private headSize = 0;
  private headFull = false;
  private tail: string[] = [];
  private tailStart = 0;
  private tailSize = 0;
  private omitted = 0;

  constructor(
    private readonly headBytes: number,
    private readonly tailBytes: number,
  ) {}

  /** One line of output (its newline added here). */
  append(line: string): void {
    const text = `${line}\n`;
    const size = Buffer.byteLength(text);
    if (!this.headFull && this.headSize + size <= this.headBytes) {
      this.head.push(text);
      this.headSize += size;
      return;
    }
    this.headFull = true;
    this.tail.push(text);
    this.tailSize += size;
    while (this.tailSize > this.tailBytes && this.tailStart < this.tail.length) {
      const first = this.tail[this.tailStart]!;
      const firstSize = Buffer.byteLength(first);
      if (this.tailStart === this.tail.length - 1) {
        // One line longer than the whole tail: keep its end.
        const kept = Buffer.from(first)
          .subarray(firstSize - this.tailBytes)
          .toString('utf8');
        this.omitted += firstSize - Buffer.byteLength(kept);
        this.tail[this.tailStart] = kept;
        this.tailSize = Buffer.byteLength(kept);
        break;
      }
      this.tailStart++;
      this.tailSize -= firstSize;
      this.omitted += firstSize;
    }
    // Drop what has left the window now and then, not on every line.
    if (this.tailStart > 1024 && this.tailStart * 2 > this.tail.length) {
      this.tail = this.tail.slice(this.tailStart);
      this.tailStart = 0;
    }
  }

  /** Bytes of output not kept. */
  get omittedBytes(): number {
    return this.omitted;
  }

  render(): string {
    const gap = this.omitted > 0 ? `[… ${this.omitted} bytes of output left out …]\n` : '';
    return this.head.join('') + gap + this.tail.slice(this.tailStart).join('');
  }
}
