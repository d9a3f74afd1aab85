/**
 * Generation benchmark: `genimage generate` as a user runs it (the built CLI, a child process)
 * against the test server (@genimage/test-server, real HTTP on 127.0.0.1) answering after a fixed
 * latency, so that the ideal wall time is known: requests × latency / concurrency.
 *
 *   node bench/generate.ts
 *
 * Cases: 64 markers at 500 ms latency, concurrency 1, 4 and 8; and concurrency 8 against a plan
 * that accepts 2 requests at once (429 with `Retry-After: 1` beyond), whose ideal is
 * 64 × 0.5 s / 2. Each case runs ROUNDS times on a fresh cache, interleaved; medians. Also times
 * `genimage scan` on the same site: the CLI's fixed cost (start-up, config, scan), part of every
 * run's wall time. Writes bench/.tmp/generate.json.
 */
import { type ChildRun, runChild } from './child.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServerOptions } from '../test/server/src/index.ts';
import { type Machine, machine, median, round } from './stats.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../packages/cli/bin/genimage.js');
const MARKERS = 64;
const LATENCY_MS = 500;
const ROUNDS = 3;

export interface GenerateCase {
  name: string;
  concurrency: number;
  /** Requests the API accepts at once; undefined: no limit. */
  apiLimit?: number;
}

export const CASES: GenerateCase[] = [
  { name: 'concurrency 1', concurrency: 1 },
  { name: 'concurrency 4', concurrency: 4 },
  { name: 'concurrency 8', concurrency: 8 },
  { name: 'concurrency 8, API accepts 2 at once (429, Retry-After: 1)', concurrency: 8, apiLimit: 2 },
];

export interface GenerateCaseFigures extends GenerateCase {
  idealMs: number;
  wallMs: number[];
  medianMs: number;
  /** median / ideal */
  ratio: number;
  /** Per round: images that failed (the CLI's exit code is 1 then), 429s answered, most requests answered at once. */
  failed: number[];
  rateLimited: number[];
  peakInFlight: number[];
}

export interface GenerateFigures {
  machine: Machine;
  markers: number;
  latencyMs: number;
  rounds: number;
  /** `genimage scan` on the same site: start-up, config and scan, no request. */
  scanMs: number;
  cases: GenerateCaseFigures[];
}

/** One child process; its wall time, exit code and output. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<ChildRun> {
  return runChild(process.execPath, [CLI, ...args], { env });
}

/** A site with `count` distinct markers in one page. */
async function writeSite(dir: string, count: number): Promise<void> {
  const markers = Array.from(
    { length: count },
    (_, index) => `<GenImage prompt="benchmark image ${index}, a quiet harbour at dawn" seed={${index}} alt="Image ${index}" />`,
  );
  await mkdir(path.join(dir, 'src/pages'), { recursive: true });
  await writeFile(path.join(dir, 'src/pages/index.html'), `<!doctype html>\n<html><body>\n${markers.join('\n')}\n</body></html>\n`);
}

export async function runGenerateBench(log: (line: string) => void = console.log): Promise<GenerateFigures> {
  const work = await mkdtemp(path.join(tmpdir(), 'genimage-bench-generate-'));
  const servers = new Map<number | undefined, Awaited<ReturnType<typeof startTestServer>>>();
  try {
    const serverFor = async (apiLimit: number | undefined) => {
      let server = servers.get(apiLimit);
      if (!server) {
        const options: TestServerOptions = apiLimit === undefined ? {} : { rateLimit: { maxInFlight: apiLimit, retryAfterSeconds: 1 } };
        server = await startTestServer(options);
        servers.set(apiLimit, server);
        // The fake API's own first image (sharp loading in this process) is not genimage's cost.
        await warmUp(server);
      }
      return server;
    };
    const site = path.join(work, 'site');
    await writeSite(site, MARKERS);
    const envFor = (baseUrl: string, apiKey: string): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = { ...process.env, SHARK_API_KEY: apiKey, SHARK_BASE_URL: baseUrl, NO_COLOR: '1' };
      for (const name of ['CI', 'GENIMAGE_FROZEN', 'FORCE_COLOR']) delete env[name];
      return env;
    };

    log(`generate: ${MARKERS} markers at ${LATENCY_MS} ms latency, ${CASES.length} cases × ${ROUNDS} rounds`);
    const plain = await serverFor(undefined);
    const scanMs: number[] = [];
    const figures = CASES.map((c) => ({
      ...c,
      idealMs: (MARKERS * LATENCY_MS) / Math.min(c.concurrency, c.apiLimit ?? Infinity),
      wallMs: [] as number[],
      failed: [] as number[],
      rateLimited: [] as number[],
      peakInFlight: [] as number[],
    }));
    await runCli(['scan', '--root', site], envFor(plain.baseUrl, plain.apiKey)); // warm-up: file cache, compile cache
    for (let index = 0; index < ROUNDS; index++) {
      scanMs.push((await runCli(['scan', '--root', site], envFor(plain.baseUrl, plain.apiKey))).ms);
      for (const figure of figures) {
        const server = await serverFor(figure.apiLimit);
        server.reset(); // also clears the standing fault
        server.always({ kind: 'delay', ms: LATENCY_MS });
        await rm(path.join(site, '.genimage'), { recursive: true, force: true });
        const run = await runCli(
          ['generate', '--root', site, '--concurrency', String(figure.concurrency), '--json'],
          envFor(server.baseUrl, server.apiKey),
        );
        const summary = parseSummary(run.output);
        if (run.code !== 0 && summary === undefined)
          throw new Error(`genimage generate exited with ${run.code}:\n${run.output.slice(-2000)}`);
        figure.wallMs.push(run.ms);
        figure.failed.push(summary?.failed ?? MARKERS);
        figure.rateLimited.push(server.rateLimited);
        figure.peakInFlight.push(server.peakInFlight);
        log(
          `  round ${index + 1}/${ROUNDS}, ${figure.name}: ${Math.round(run.ms)} ms (ideal ${figure.idealMs}), ${summary?.failed ?? '?'} failed, ${server.rateLimited} × 429`,
        );
      }
    }
    return {
      machine: machine(),
      markers: MARKERS,
      latencyMs: LATENCY_MS,
      rounds: ROUNDS,
      scanMs: round(median(scanMs), 0),
      cases: figures.map((figure) => ({
        ...figure,
        wallMs: figure.wallMs.map((ms) => round(ms, 0)),
        medianMs: round(median(figure.wallMs), 0),
        ratio: round(median(figure.wallMs) / figure.idealMs, 2),
      })),
    };
  } finally {
    await Promise.all([...servers.values()].map((server) => server.close()));
    await rm(work, { recursive: true, force: true });
  }
}

/** One generation request straight to the server, so that its first answer is not a cold one. */
async function warmUp(server: { baseUrl: string; apiKey: string }): Promise<void> {
  const response = await fetch(`${server.baseUrl}/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'google/gemini-3.1-flash-image-preview', prompt: 'warm-up' }),
  });
  if (response.status !== 200) throw new Error(`the test server's warm-up answered ${response.status}`);
  await response.arrayBuffer();
}

/** The `summary` of `generate --json`'s document, if the output holds one. */
export function parseSummary(output: string): { generated: number; failed: number } | undefined {
  const start = output.indexOf('{');
  if (start < 0) return undefined;
  try {
    const document = JSON.parse(output.slice(start, output.lastIndexOf('}') + 1)) as { summary?: { generated: number; failed: number } };
    return document.summary;
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  const figures = await runGenerateBench();
  await mkdir(path.join(here, '.tmp'), { recursive: true });
  await writeFile(path.join(here, '.tmp', 'generate.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(
    JSON.stringify(
      figures.cases.map(({ name, medianMs, idealMs, ratio, failed }) => ({ name, medianMs, idealMs, ratio, failed })),
      null,
      2,
    ),
  );
}
