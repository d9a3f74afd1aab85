/**
 * Scanner benchmark: scan() against `grep -rl GenImage` on the same tree of 5,000 sources
 * (~50 MB, 500 markers in mixed .astro/.mdx/.html). Target: scan within 3x of grep.
 *
 *   node bench/scan.ts
 *
 * The tree is generated once into bench/.tmp/scan-tree and reused; the figures go to
 * bench/.tmp/scan.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scan } from '../packages/core/src/markers/scan.ts';
import { random } from './stats.ts';

const FILES = 5_000;
const MARKERS = 500;
const TARGET_BYTES = 50_000_000;
const RUNS = 7;
/** Bump when the generator changes, so an old tree is rebuilt. */
const TREE_VERSION = 2;

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = path.join(here, '.tmp');
const tree = path.join(tmp, 'scan-tree');
const stamp = path.join(tree, `.complete-v${TREE_VERSION}`);

const WORDS = (
  'the a fox river mountain light morning quiet city harbor garden lantern winter paper glass ' +
  'stone forest field over under through along beside gentle bright distant ancient modern small ' +
  'large blue green golden silver soft warm cold open narrow wide https://example.com/docs/guide ' +
  'and with for from into about between build static site image render cache prompt seed'
).split(' ');

function sentence(next: () => number): string {
  const length = 8 + Math.floor(next() * 14);
  const words: string[] = [];
  for (let i = 0; i < length; i++) words.push(WORDS[Math.floor(next() * WORDS.length)] ?? 'x');
  const text = words.join(' ');
  return `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}.`;
}

function paragraph(next: () => number): string {
  const sentences: string[] = [];
  for (let i = 0, count = 3 + Math.floor(next() * 5); i < count; i++) sentences.push(sentence(next));
  return sentences.join(' ');
}

function markerSource(next: () => number, index: number): string {
  const ratios = ['16:9', '1:1', '4:3', '21:9'];
  return `<GenImage prompt="${sentence(next)} (#${index})" seed={${index}} aspectRatio="${ratios[index % ratios.length]}" alt="Illustration ${index}" widths={[480, 960]} />`;
}

/** One source file of about `bytes` bytes with the given markers spread through its body. */
function sourceFile(kind: 'astro' | 'mdx' | 'html', bytes: number, markers: string[], next: () => number): string {
  const blocks: string[] = [];
  let size = 0;
  while (size < bytes) {
    const block =
      kind === 'mdx'
        ? `${next() < 0.15 ? `## ${sentence(next)}\n\n` : ''}${paragraph(next)}\n\n`
        : `  <section class="s${Math.floor(next() * 9)}">\n    <p>${paragraph(next)}</p>\n  </section>\n`;
    blocks.push(block);
    size += block.length;
  }
  for (const marker of markers)
    blocks.splice(Math.floor(next() * (blocks.length + 1)), 0, kind === 'mdx' ? `${marker}\n\n` : `  ${marker}\n`);
  const body = blocks.join('');
  if (kind === 'astro') {
    const imports = markers.length > 0 ? "import GenImage from '@genimage/astro/GenImage.astro';\n" : '';
    return `---\n${imports}import Layout from '../../layouts/Layout.astro';\nconst title = 'Page';\n---\n<Layout title={title}>\n${body}</Layout>\n`;
  }
  if (kind === 'mdx') {
    const imports = markers.length > 0 ? "import GenImage from '@genimage/astro/GenImage.astro';\n\n" : '';
    return `---\ntitle: ${sentence(next)}\n---\n${imports}# ${sentence(next)}\n\n${body}`;
  }
  return `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Page</title></head>\n<body>\n${body}</body>\n</html>\n`;
}

async function generateTree(): Promise<void> {
  await rm(tree, { recursive: true, force: true });
  const next = random(42);
  // 500 markers over 350 files: 150 files with two, 200 with one.
  const markerCounts = new Map<number, number>();
  while (markerCounts.size < 350) markerCounts.set(Math.floor(next() * FILES), 1);
  let twos = 0;
  for (const file of markerCounts.keys()) if (twos++ < MARKERS - 350) markerCounts.set(file, 2);

  const average = TARGET_BYTES / FILES;
  let markerIndex = 0;
  const kinds = ['astro', 'mdx', 'html'] as const;
  for (let i = 0; i < FILES; i++) {
    const kind = kinds[i % kinds.length] ?? 'astro';
    const folder = kind === 'astro' ? 'pages' : kind === 'mdx' ? 'content/blog' : 'static';
    const dir = path.join(tree, 'src', folder, `section-${String(Math.floor(i / 100)).padStart(2, '0')}`);
    const markers: string[] = [];
    for (let m = 0; m < (markerCounts.get(i) ?? 0); m++) markers.push(markerSource(next, markerIndex++));
    const bytes = Math.round(average * (0.5 + next()));
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `page-${i}.${kind}`), sourceFile(kind, bytes, markers, next));
  }
  await writeFile(stamp, new Date().toISOString());
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function grep(): { ms: number; files: number } {
  const start = performance.now();
  const result = spawnSync('grep', ['-rl', 'GenImage', path.join(tree, 'src')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`grep failed: ${result.stderr}`);
  return { ms, files: result.stdout.split('\n').filter(Boolean).length };
}

async function timeScan(): Promise<{ ms: number; result: Awaited<ReturnType<typeof scan>> }> {
  const start = performance.now();
  const result = await scan({ root: tree });
  return { ms: performance.now() - start, result };
}

if (!existsSync(stamp)) {
  const started = performance.now();
  console.log(`Generating ${FILES} files into ${path.relative(process.cwd(), tree)} ...`);
  await generateTree();
  console.log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const totalBytes = Number(spawnSync('du', ['-sb', path.join(tree, 'src')], { encoding: 'utf8' }).stdout.split('\t')[0]);

// Warm the page cache and the JIT for both, then alternate so neither gets a warmer machine.
await timeScan();
grep();
const scanMs: number[] = [];
const grepMs: number[] = [];
let last: Awaited<ReturnType<typeof scan>> | undefined;
let grepFiles = 0;
for (let run = 0; run < RUNS; run++) {
  const timed = await timeScan();
  scanMs.push(timed.ms);
  last = timed.result;
  const grepped = grep();
  grepMs.push(grepped.ms);
  grepFiles = grepped.files;
}

if (last === undefined || last.markers.length !== MARKERS || last.diagnostics.length !== 0) {
  throw new Error(`scan found ${last?.markers.length} markers and ${last?.diagnostics.length} diagnostics; expected ${MARKERS} and 0`);
}

const figures = {
  files: last.files,
  bytes: totalBytes,
  markers: last.markers.length,
  filesWithMarkers: last.filesWithMarkers,
  grepFiles,
  runs: RUNS,
  scanMs: scanMs.map((ms) => Math.round(ms * 10) / 10),
  grepMs: grepMs.map((ms) => Math.round(ms * 10) / 10),
  scanMedianMs: Math.round(median(scanMs) * 10) / 10,
  grepMedianMs: Math.round(median(grepMs) * 10) / 10,
  ratio: Math.round((median(scanMs) / median(grepMs)) * 100) / 100,
  target: 3,
  node: process.version,
  cpus: os.cpus().length,
  date: new Date().toISOString(),
};
await writeFile(path.join(tmp, 'scan.json'), `${JSON.stringify(figures, null, 2)}\n`);

console.log(`${figures.files} files, ${(totalBytes / 1e6).toFixed(1)} MB, ${figures.markers} markers in ${figures.filesWithMarkers} files`);
console.log(`scan()            median ${figures.scanMedianMs} ms  (${figures.scanMs.join(', ')})`);
console.log(`grep -rl GenImage median ${figures.grepMedianMs} ms  (${figures.grepMs.join(', ')})`);
console.log(`scan/grep = ${figures.ratio} (target <= ${figures.target})${figures.ratio <= figures.target ? '' : '  -- over target'}`);
