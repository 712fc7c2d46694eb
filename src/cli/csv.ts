// Streaming CSV for the detect command: lines in through readline (its async iterator pauses the file stream, so
// memory stays constant), lines out through a buffered writer that waits for 'drain' (backpressure).
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';

/** Lines of a text file with their 1-based line numbers (a leading UTF-8 BOM removed). */
export async function* readLines(path: string): AsyncGenerator<{ line: string; lineNumber: number }> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const raw of lines) {
    lineNumber += 1;
    yield { line: lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw, lineNumber };
  }
}

/** The fields of one CSV line (RFC 4180 quoting within a line; quoted newlines are not supported). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** A field as CSV text: quoted only when it must be. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Collects lines and writes them in ~64 KB chunks; `add` says when to `flush` (and await the stream's drain). */
export class LineWriter {
  private lines: string[] = [];
  private size = 0;

  constructor(private readonly stream: Writable, private readonly chunkSize = 64 * 1024) {}

  /** Queues a line; true when the buffer is full and the caller should await flush(). */
  add(line: string): boolean {
    this.lines.push(line);
    this.size += line.length + 1;
    return this.size >= this.chunkSize;
  }

  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const chunk = this.lines.join('\n') + '\n';
    this.lines = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
}
