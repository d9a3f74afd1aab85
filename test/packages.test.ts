/**
 * The path of a user, whose site lives outside this repository and gets genimage from the
 * registry: each package is packed into a tarball as `pnpm publish` ships it (its `prepack` builds
 * it), each tarball is checked (files, types, manifest, imports), and the tarballs are installed
 * into fresh sites in a temporary folder, where the build, `genimage scan`, `check` and `gallery`
 * run with the `genimage` command that the framework package alone brings.
 *
 * Pack once, install once: the sites are the projects of one temporary pnpm workspace, installed
 * from pnpm's store (the workspace's own install filled it). The workspace's lockfile seeds the
 * resolution, so the versions are those in the store and `--offline` suffices; when it does not,
 * the install falls back to `--prefer-offline`, which fetches only what the store lacks.
 */
import { type SpawnOptions, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from './fixtures/cli-harness/harness.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** The published packages, by folder under packages/. */
const PACKAGES = ['core', 'cli', 'vite', 'astro'] as const;

/** A site: one page with one marker, built into `dist/` by its `build` script. */
interface Site {
  /** Its files, in test/fixtures/; its package.json lists what a user adds (any @genimage/* range: the tarballs replace it). */
  fixture: string;
  /** The one genimage package the site adds: it must bring the `genimage` command as well. */
  adds: string;
  /**
   * What must hold a marker's `<picture>`, whose files exist: a built page, or for an app that
   * renders in the browser the folder of its scripts (ending in `/`).
   */
  page: string;
}

/** The sites a user would make. Another site is another line (and its fixture). */
const SITES: Site[] = [
  { fixture: 'package-astro', adds: '@genimage/astro', page: 'dist/index.html' },
  { fixture: 'package-vite', adds: '@genimage/vite', page: 'dist/index.html' },
  { fixture: 'package-vue', adds: '@genimage/vite', page: 'dist/assets/' },
  { fixture: 'package-svelte', adds: '@genimage/vite', page: 'dist/assets/' },
];

interface Manifest {
  name: string;
  version: string;
  bin?: Record<string, string>;
  exports?: unknown;
  scripts?: Record<string, string>;
  repository?: { url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface Packed {
  dir: (typeof PACKAGES)[number];
  tarball: string;
  /** The unpacked tarball (its `package/` folder). */
  root: string;
  manifest: Manifest;
  /** Every file in the tarball, relative to `package/`. */
  files: string[];
}

let temp: string;
const packed = new Map<string, Packed>();

interface Result {
  code: number | null;
  output: string;
}

/** The environment of a user's shell: none of this test run's pnpm, CI or genimage variables; this Node first on PATH. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = cleanEnv(extra);
  for (const name of Object.keys(env)) if (/^(npm|pnpm)_/i.test(name) || name === 'PNPM_SCRIPT_SRC_DIR') delete env[name];
  env['PATH'] = `${path.dirname(process.execPath)}${path.delimiter}${env['PATH'] ?? ''}`;
  return env;
}

function exec(command: string, args: string[], options: SpawnOptions & { cwd: string }): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: userEnv(), ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: `$ ${command} ${args.join(' ')} (in ${options.cwd})\n${output}` }));
  });
}

async function must(command: string, args: string[], options: SpawnOptions & { cwd: string }): Promise<string> {
  const result = await exec(command, args, options);
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.output}`);
  return result.output;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(dir, path.posix.join(prefix, entry.name)) : [path.posix.join(prefix, entry.name)],
    ),
  );
  return nested.flat().sort();
}

/** Each file path an `exports` map names (conditions and subpaths included). */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (exports && typeof exports === 'object') return Object.values(exports).flatMap(exportTargets);
  return [];
}

/**
 * The module specifiers a source file imports (static, dynamic and `export ... from`), comments
 * left out. A static one is a statement of its own (`import`/`export` starting a line): a message
 * that shows an import line, such as a hint, is text, not an import.
 */
function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const statement = /^\s*(?:(?:import|export)\b[^;'"]*?\bfrom\s*|import\s*)(['"])([^'"]+)\1/gm;
  const dynamic = /\bimport\s*\(\s*(['"])([^'"]+)\1/g;
  const found = [...code.matchAll(statement), ...code.matchAll(dynamic)].map((match) => match[2]!);
  return [...new Set(found)];
}

/** A built page's text, or every script of a folder (a path ending in `/`) as one text. */
async function builtText(file: string): Promise<string> {
  if (!file.endsWith('/')) return readFile(file, 'utf8');
  const scripts = (await readdir(file)).filter((name) => name.endsWith('.js'));
  return (await Promise.all(scripts.map((name) => readFile(path.join(file, name), 'utf8')))).join('\n');
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

beforeAll(async () => {
  temp = await mkdtemp(path.join(tmpdir(), 'genimage-packages-'));
  const tarballs = path.join(temp, 'tarballs');
  await mkdir(tarballs);

  // One after the other: each prepack runs `tsc -b`, which writes the dist of the packages below it.
  for (const dir of PACKAGES) {
    const source = path.join(REPO, 'packages', dir);
    await must('pnpm', ['pack', '--pack-destination', tarballs], { cwd: source });
    const { name, version } = JSON.parse(await readFile(path.join(source, 'package.json'), 'utf8')) as Manifest;
    const tarball = path.join(tarballs, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
    const unpacked = path.join(temp, 'unpacked', dir);
    await mkdir(unpacked, { recursive: true });
    await must('tar', ['-xzf', tarball, '-C', unpacked], { cwd: temp });
    const root = path.join(unpacked, 'package');
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Manifest;
    packed.set(name, { dir, tarball, root, manifest, files: await listFiles(root) });
  }

  // The sites: one workspace, whose every @genimage/* dependency is the tarball.
  const sites = path.join(temp, 'sites');
  await mkdir(sites);
  const overrides = [...packed].map(([name, { tarball }]) => `  '${name}': 'file:${tarball}'`).join('\n');
  // esbuild (under Astro's Vite) has an install script, which pnpm runs only when allowed, as `pnpm create astro` allows it.
  await writeFile(path.join(sites, 'pnpm-workspace.yaml'), `packages: ['*']\noverrides:\n${overrides}\nallowBuilds:\n  esbuild: true\n`);
  await cp(path.join(REPO, 'pnpm-lock.yaml'), path.join(sites, 'pnpm-lock.yaml'));
  for (const site of SITES) await cp(path.join(REPO, 'test/fixtures', site.fixture), path.join(sites, site.fixture), { recursive: true });
  const install = (mode: string) => exec('pnpm', ['install', mode, '--no-frozen-lockfile', '--reporter=append-only'], { cwd: sites });
  const offline = await install('--offline');
  if (offline.code !== 0)
    await must('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile', '--reporter=append-only'], { cwd: sites });
}, 180_000);

afterAll(async () => {
  if (temp) await rm(temp, { recursive: true, force: true });
});

describe.each(PACKAGES.map((dir) => `@genimage/${dir}`))('the packed %s', (name) => {
  const get = () => packed.get(name)!;

  it('ships its built code with types, a README, a LICENSE, and says where it comes from', () => {
    const { dir, files, manifest } = get();
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']));
    for (const file of files.filter((file) => /^dist\/.*\.js$/.test(file)))
      expect(files, `types of ${file}`).toContain(file.replace(/\.js$/, '.d.ts'));
    expect(manifest.repository).toMatchObject({ url: expect.stringMatching(/^git\+https:\/\//), directory: `packages/${dir}` });
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs?.url).toMatch(/^https:\/\//);
    // No test, build info or scratch file of the repository.
    expect(files.filter((file) => /(^|\/)(test|node_modules)\/|\.tsbuildinfo$|\.test\.ts$/.test(file))).toEqual([]);
  });

  it('has no workspace: range left, and depends on the other packages at their packed versions', () => {
    const { manifest } = get();
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'] as const) {
      for (const [dependency, range] of Object.entries(manifest[field] ?? {})) {
        expect(range, `${field}.${dependency}`).not.toMatch(/^(workspace|link|file):/);
        if (field === 'dependencies' && packed.has(dependency)) expect(range, dependency).toBe(packed.get(dependency)!.manifest.version);
      }
    }
    // The scripts left in the manifest run nothing from the repository around it.
    expect(JSON.stringify(manifest.scripts ?? {})).not.toContain('../');
  });

  it('holds every file its manifest names', () => {
    const { files, manifest } = get();
    const named = [...exportTargets(manifest.exports), ...Object.values(manifest.bin ?? {})].map((file) => path.posix.normalize(file));
    expect(named.length).toBeGreaterThan(0);
    for (const file of named) expect(files, file).toContain(file);
  });

  it('imports only its own files and the packages it declares', async () => {
    const { root, files, manifest } = get();
    const declared = new Set([
      manifest.name,
      ...Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies }),
    ]);
    const builtins = new Set(builtinModules);
    const problems: string[] = [];
    for (const file of files.filter((file) => /^(dist|bin|components|toolbar)\/.*\.(js|d\.ts|ts|astro)$/.test(file))) {
      for (const specifier of importsOf(await readFile(path.join(root, file), 'utf8'))) {
        if (specifier.startsWith('.')) {
          const target = path.posix.join(path.posix.dirname(file), specifier);
          // Declarations keep the sources' `./x.ts`; TypeScript reads `./x.d.ts` for it, as for `./x.js`.
          const candidates = file.endsWith('.d.ts') ? [target, target.replace(/\.[jt]s$/, '.d.ts')] : [target];
          if (!candidates.some((candidate) => files.includes(candidate))) problems.push(`${file}: ${specifier} is not in the package`);
        } else if (!/^[a-z]+:/.test(specifier) && !builtins.has(packageOf(specifier)) && !declared.has(packageOf(specifier))) {
          problems.push(`${file}: imports ${specifier}, which is not a dependency`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe.each(SITES)('a fresh site with $adds', (site) => {
  const root = () => path.join(temp, 'sites', site.fixture);
  const genimage = (args: string[], env: Record<string, string> = {}) =>
    exec(path.join(root(), 'node_modules/.bin/genimage'), args, { cwd: root(), env: userEnv(env) });

  it('gets the packages from the tarballs, and the `genimage` command with the framework package alone', async () => {
    const installed = await realpath(path.join(root(), 'node_modules', site.adds));
    expect(installed.startsWith(await realpath(temp))).toBe(true);
    expect(existsSync(path.join(root(), 'node_modules/.bin/genimage'))).toBe(true);
    const version = await genimage(['--version']);
    expect(version.code, version.output).toBe(0);
    expect(version.output).toContain(`genimage/${packed.get('@genimage/cli')!.manifest.version}`);
  });

  it('builds, and scan, check and gallery see what the build rendered', async () => {
    const build = await exec('pnpm', ['run', 'build'], { cwd: root() });
    expect(build.code, build.output).toBe(0);
    // Files scanned: the page, and a component site's component too.
    expect(build.output).toMatch(/1 marker\(s\) in [12] file\(s\) · 1 image request\(s\): 1 generated, 0 reused, 0 failed/);
    const page = await builtText(path.join(root(), site.page));
    // Vue's compiled template creates the element by name, which the minifier may quote in backticks.
    expect(page).toMatch(/<picture>|["`]picture["`]/);
    expect(page).not.toContain('<GenImage');
    // In HTML `src="…"`; in a compiled Vue template `src:"…"` (or in backticks).
    const urls = [...page.matchAll(/(?:src|srcset)(?:=|:\s*)["`]([^"`]+)["`]/g)].flatMap((match) =>
      match[1]!.split(',').map((entry) => entry.trim().split(' ')[0]!),
    );
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls.filter((url) => url.startsWith('/'))) expect(existsSync(path.join(root(), 'dist', url)), url).toBe(true);

    const scan = await genimage(['scan']);
    expect(scan.code, scan.output).toBe(0);
    expect(scan.output).toMatch(/1 marker\(s\) in [12] file\(s\), 1 distinct image request\(s\): 1 cached, 0 missing, 0 corrupt/);
    const check = await genimage(['check']);
    expect(check.code, check.output).toBe(0);
    // What a CI host says of the same site: placeholders are not the images it needs.
    const ci = await genimage(['check'], { CI: 'true' });
    expect(ci.code, ci.output).toBe(1);
    const gallery = await genimage(['gallery']);
    expect(gallery.code, gallery.output).toBe(0);
    expect(await readFile(path.join(root(), 'genimage-gallery/index.html'), 'utf8')).toContain('PLACEHOLDER');
  });
});

describe('astro dev in the fresh Astro site', () => {
  it('serves the review app of the dev toolbar from the installed package, and the panel it imports', async () => {
    const root = path.join(temp, 'sites', 'package-astro');
    const child = spawn(path.join(root, 'node_modules/.bin/astro'), ['dev', '--port', '0', '--host', '127.0.0.1'], {
      cwd: root,
      env: userEnv({ ASTRO_TELEMETRY_DISABLED: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const listening = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
          if (listening && output.includes('watching for file changes')) resolve(listening[0].slice(0, -1));
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.on('close', (code) => reject(new Error(`astro dev exited with ${code}:\n${output}`)));
      });
      const get = async (at: string) => {
        const response = await fetch(`${url}${at}`);
        expect(response.status, `${at}\n${output}`).toBe(200);
        return response.text();
      };
      // Astro's list of toolbar apps imports ours by the path of the installed package's file.
      const apps = await get('/@id/astro:toolbar:internal');
      const app = /import\("([^"]*@genimage\/astro\/toolbar\/app\.js(?:\?[^"]*)?)"\)/.exec(apps)?.[1];
      expect(app, apps.split('//# sourceMappingURL')[0]).toBeDefined();
      const panel = /from "([^"]*virtual:genimage\/review-panel[^"]*)"/.exec(await get(app!))?.[1];
      expect(panel).toBeDefined();
      expect(await get(panel!)).toContain('export const mountReviewPanel = globalThis.__genimageReview.mount;');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
