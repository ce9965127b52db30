/**
 * Incremental newline-delimited JSON decoding for watch streams: each chunk is scanned once for
 * newlines and only complete lines are parsed, so a long-running watch costs O(bytes) with no
 * re-scanning of partial data.
 */

/** Splits byte chunks into complete lines and parses each as JSON. */
export class JsonLineDecoder {
  private pending: Buffer[] = [];

  /** Feeds one chunk; returns the values of the lines it completed (possibly none). */
  push(chunk: Buffer): unknown[] {
    const out: unknown[] = [];
    let start = 0;
    let nl = chunk.indexOf(0x0a, start);
    while (nl >= 0) {
      let line: Buffer;
      if (this.pending.length > 0) {
        this.pending.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.pending);
        this.pending = [];
      } else {
        line = chunk.subarray(start, nl);
      }
      this.parseInto(line, out);
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
    return out;
  }

  /** Parses what is left when the stream ends (a last line without a newline). */
  end(): unknown[] {
    const out: unknown[] = [];
    if (this.pending.length > 0) {
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.parseInto(line, out);
    }
    return out;
  }

  private parseInto(line: Buffer, out: unknown[]): void {
    const text = line.toString('utf8').trim();
    if (text.length === 0) return;
    out.push(JSON.parse(text));
  }
}

/** Decodes a byte stream (e.g. an HTTP response) into the JSON values of its lines. */
export async function* decodeJsonLines(body: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  const decoder = new JsonLineDecoder();
  for await (const chunk of body) {
    for (const value of decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) yield value;
  }
  for (const value of decoder.end()) yield value;
}
