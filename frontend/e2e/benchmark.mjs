// Writes the dashboard's measured figures into the marked section of
// docs/benchmarks.md, with the machine and the date they were measured on.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';

const START = '<!-- dashboard figures: written by scripts/e2e with RECORD_BENCHMARK=1 -->';
const END = '<!-- end of dashboard figures -->';

function chromiumVersion() {
  try {
    return execFileSync(process.env.CHROMIUM ?? '/usr/bin/chromium', ['--version'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'Chromium (version unknown)';
  }
}

const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;

export async function recordBenchmark(path, { load, bundle }) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const memory = Math.round(os.totalmem() / 2 ** 30);
  const lines = [
    START,
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores of ${cpu}, ${memory} GiB of memory, ` +
      `Node ${process.version}, ${chromiumVersion()} headless, API and browser on the same machine.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| first load of the overview with data, median of 5 | ${load.median} ms |`,
    `| first load, slowest of 5 | ${load.worst} ms |`,
    `| bundle (\`frontend/dist/assets\`) | ${kib(bundle.total)} (${kib(bundle.js)} of JavaScript) |`,
    `| bundle, gzipped | ${kib(bundle.gzip)} |`,
    `| JavaScript the overview's first load fetches (uncompressed) | ${kib(load.scripts)} |`,
    END,
  ].join('\n');
  const text = await readFile(path, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) {
    throw new Error(`${path} has no dashboard figures section to write into`);
  }
  await writeFile(path, text.slice(0, start) + lines + text.slice(end + END.length));
}
