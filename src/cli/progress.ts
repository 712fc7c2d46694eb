// A progress bar on stderr for long file reads, drawn only when stderr is a terminal (never into logs or pipes).
// The caller reports bytes as it consumes them; drawing is throttled, so the per-line cost is an add and a compare.

/** Files smaller than this finish too fast for a bar to help. */
export const PROGRESS_MIN_BYTES = 1024 * 1024;
const REDRAW_MS = 100;
const CHECK_EVERY = 4096;
const BAR_WIDTH = 30;

export interface Progress {
  advance(bytes: number): void;
  /** Clears the bar. */
  done(): void;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** A bar for reading `totalBytes`, or null when stderr is not a terminal or the file is small. */
export function fileProgress(totalBytes: number): Progress | null {
  const stream = process.stderr;
  if (!stream.isTTY || totalBytes < PROGRESS_MIN_BYTES) return null;
  const now = () => performance.now();
  const started = now();
  let bytes = 0;
  let calls = 0;
  // The first draw waits one interval too, so a read that ends quickly never flashes a bar.
  let drawnAt = started;
  const draw = (time: number) => {
    drawnAt = time;
    const share = Math.min(1, bytes / totalBytes);
    const filled = Math.round(share * BAR_WIDTH);
    const seconds = Math.max((time - started) / 1000, 1e-3);
    stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${mb(bytes)}/${mb(totalBytes)} MB  ${mb(bytes / seconds)} MB/s`);
  };
  return {
    advance(n) {
      bytes += n;
      if (++calls % CHECK_EVERY !== 0) return;
      const time = now();
      if (time - drawnAt >= REDRAW_MS) draw(time);
    },
    done() {
      if (drawnAt !== started) stream.write('\r\x1b[K');
    },
  };
}
