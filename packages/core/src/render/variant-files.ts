import { constants, statSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type SourceLocation, formatLocation } from '../errors.ts';
import { atMarkers } from './marker-errors.ts';
import { type OptimizedVariant, type Optimizer, type Variant, type VariantFormat, variantFileName } from './optimize.ts';
import type { Original, Originals } from './originals.ts';

interface Registered {
  original: Original;
  variant: Variant;
  /** Rendered into a page (so emitted), rather than only warmed up. */
  used: boolean;
  /** The markers showing it, by `file:line:col`: a failure to encode it names them. */
  origins: Map<string, SourceLocation>;
  /** A build's encode, started when the file was registered; a failure is reported by `writeTo`. */
  encoding?: Promise<OptimizedVariant>;
}

/**
 * The variant files pages refer to, by file name: each is encoded once and emitted once,
 * however many pages use it.
 */
export class VariantFiles {
  readonly #files = new Map<string, Registered>();
  readonly #optimizer: Optimizer;
  readonly #originals: Originals;
  readonly #eager: boolean;

  /** `eager` (a build): each file starts encoding when it is registered. */
  constructor(optimizer: Optimizer, originals: Originals, eager: boolean) {
    this.#optimizer = optimizer;
    this.#originals = originals;
    this.#eager = eager;
  }

  /** The file names of an original's variants; `used` marks them to be emitted (not only warmed up). */
  register(original: Original, variants: Variant[], used: boolean): { fileName: string; variant: Variant }[] {
    return variants.map((variant) => {
      const fileName = variantFileName(original.source.slug ?? 'image', original.source.sha256, variant);
      let entry = this.#files.get(fileName);
      if (!entry) {
        entry = { original, variant, used, origins: new Map() };
        this.#files.set(fileName, entry);
      }
      entry.used ||= used;
      entry.origins.set(formatLocation(original.origin), original.origin);
      if (this.#eager && !entry.encoding) {
        // Started now, awaited by writeTo(): encoding overlaps with rendering the other pages.
        entry.encoding = this.#encode(entry);
        entry.encoding.catch(() => {});
      }
      return { fileName, variant };
    });
  }

  /** A registered file, encoded if need be; undefined for a name no page refers to. */
  async file(fileName: string): Promise<{ path: string; format: VariantFormat } | undefined> {
    const entry = this.#files.get(fileName);
    if (!entry) return undefined;
    const done = await this.#encode(entry);
    return { path: done.cachePath, format: entry.variant.format };
  }

  /**
   * Writes the used files (`all`: every registered one) into `dir`, copied from the variant cache
   * (cloned where the file system can: `COPYFILE_FICLONE`, as Astro copies its cached images).
   * Returns how many and their bytes.
   */
  async writeTo(dir: string, options: { all?: boolean } = {}): Promise<{ files: number; bytes: number; written: string[] }> {
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    let bytes = 0;
    await Promise.all(
      [...this.#files].map(async ([fileName, entry]) => {
        if (!entry.used && !options.all) return;
        const target = path.join(dir, fileName);
        // A build's encode started at registration is reused (asking the optimizer again would stat
        // the file again); a failed one is tried again here, so that its error names every marker.
        let done = await (entry.encoding?.catch(() => this.#encode(entry)) ?? this.#encode(entry));
        try {
          await copyFile(done.cachePath, target, constants.COPYFILE_FICLONE);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          // The variant cache was emptied under us: encoded again.
          entry.encoding = undefined;
          done = await this.#encode(entry);
          await copyFile(done.cachePath, target, constants.COPYFILE_FICLONE);
        }
        // Synchronous: a stat costs microseconds so, against tens through the thread pool.
        bytes += statSync(target).size;
        written.push(fileName);
      }),
    );
    return { files: written.length, bytes, written: written.sort() };
  }

  #encode(entry: Registered): Promise<OptimizedVariant> {
    const { original, variant } = entry;
    return this.#originals
      .lease(original, (source) => this.#optimizer.variant(source, variant))
      .catch((error: unknown) => {
        throw atMarkers(
          error,
          [...entry.origins.values()],
          `Encoding the ${variant.width}px ${variant.format} variant of cached image ${original.id}`,
        );
      });
  }
}
