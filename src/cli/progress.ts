// A progress bar on stderr for long replays and stages (cli-progress), shown only on a terminal:
// CI logs and pipes stay quiet. The bar follows the bytes of the scenario read.

import { SingleBar } from 'cli-progress';

export interface Progress {
  readonly onProgress: (readBytes: number, totalBytes: number, events: number) => void;
  done(): void;
}

export function progressOnTty(label: string): Progress | null {
  if (process.stderr.isTTY !== true || process.env['CI'] !== undefined) return null;
  let bar: SingleBar | null = null;
  return {
    onProgress(readBytes, totalBytes, events) {
      if (bar === null) {
        bar = new SingleBar({ format: `${label} [{bar}] {percentage}% · {events} events · {eta_formatted} left`, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 20 });
        bar.start(Math.max(1, totalBytes), 0, { events: 0 });
      }
      bar.update(readBytes, { events: events.toLocaleString('en-US') });
    },
    done() {
      bar?.stop();
    },
  };
}
