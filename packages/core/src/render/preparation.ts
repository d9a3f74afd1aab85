import type { ImageUse } from '../engine.ts';
import type { SourceLocation } from '../errors.ts';
import type { Pending } from './dev-failures.ts';

/**
 * What differs between a site build and a dev server in getting a rendering ready, chosen once
 * when the renderer is made (`BuildPreparation`, `DevPreparation`). A build may wait for an image
 * and fails without one; a dev server never waits, shows why an image is not there yet, and sees
 * the cache change under it.
 */
export interface Preparation {
  /**
   * Whether the cache stays as it is for the renderer's life (a build): then what is read from
   * it may be kept, and variants are encoded eagerly.
   */
  readonly stable: boolean;
  /**
   * A build: only these keys, which its scan listed, may render from now on (`prepareBuild`).
   * A dev server renders whatever a page shows.
   */
  limitTo?(keys: ReadonlySet<string>): void;
  /** A page renders `use` at `origin` (the marker's place, when known); throws when it may not. */
  rendering(use: ImageUse, origin: SourceLocation | undefined): void;
  /** The result of `work` for `memo`: kept and shared by every page that asks (a build), or made for each. */
  prepare<T>(memo: string, work: () => Promise<T>): Promise<T>;
  /** `prepare` ahead of the pages, while the bundler works, where it is kept (a build); otherwise nothing. */
  prepareAhead(memo: string, work: () => Promise<unknown>): void;
  /**
   * Undefined once `use`'s image is verified in the cache, generated first if this preparation
   * may wait for it; otherwise why it is not shown yet. Throws why it cannot be had (a build).
   */
  available(use: ImageUse): Promise<Pending | undefined>;
}
