import type { Engine, CacheStatus } from '../engine.ts';
import { type GenImageError, type SourceLocation, formatError } from '../errors.ts';
import type { PlannedRequest } from '../generate/schedule.ts';

/** Where an image was found: this machine's cache, the shared remote (copied here since), or why nowhere. */
export type CheckLocation = 'local' | 'remote' | Exclude<CacheStatus, 'cached'>;

/** A request the build could not render from the cache. */
export interface CheckProblem {
  request: PlannedRequest;
  status: Exclude<CacheStatus, 'cached'>;
  /** What failed verification (the size, the hash, the metadata, a link, the decoding); none when missing. */
  reason: string | undefined;
}

/** One request as `check --verbose` and `--json` list it: where its markers are, what it asks for, where its image was found. */
export interface CheckedImage {
  key: string;
  found: CheckLocation;
  prompt: string;
  origins: SourceLocation[];
}

/** What `genimage check` found: whether every request has an image the build can use. */
export interface CheckReport {
  /** Distinct requests checked. */
  images: number;
  /** In scan order. */
  problems: CheckProblem[];
  /** Every request and where its image was found, in scan order. */
  locations: CheckedImage[];
  /** How many of `locations` found each place. */
  found: Record<CheckLocation, number>;
  /** The remote cache's location, when one is configured. */
  remote: string | undefined;
  /** Why the remote was not read, when it was not (no credentials, refused, unreachable). */
  remoteProblem: GenImageError | undefined;
  /** What to do about the missing images, naming the real cause; undefined when none are missing. */
  nextStep: string | undefined;
  /**
   * Checked without an API key and outside CI: the keys are the `local` provider's, so a
   * placeholder passes here where CI, which looks for the real images, fails.
   */
  offline: boolean;
  /** Offline: how many of the cached images are placeholders (real images committed by others win over them). */
  placeholders: number;
}

/**
 * The CI gate: every request has a verified image in the cache, one the build can decode. Reads
 * the cache only: never creates a provider, so it needs no API key and never spends a credit.
 *
 * @example
 * const report = await checkCache(engine, (await engine.scan()).requests);
 * if (report.problems.length > 0) process.exitCode = 1;
 */
export async function checkCache(engine: Engine, requests: readonly PlannedRequest[]): Promise<CheckReport> {
  const statuses = await engine.statuses(requests);
  // Matching hashes are not enough: the build must decode each image, within the renderer's pixel limit.
  const unrenderable = await engine.unrenderable(requests.filter((request) => statuses.get(request.key) === 'cached'));
  const statusOf = (request: PlannedRequest): CacheStatus =>
    unrenderable.has(request.key) ? 'corrupt' : (statuses.get(request.key) ?? 'missing');

  const problems: CheckProblem[] = [];
  for (const request of requests) {
    const status = statusOf(request);
    if (status === 'cached') continue;
    const broken = unrenderable.get(request.key);
    const reason = broken
      ? formatError(broken)
      : status === 'corrupt'
        ? await engine.cache.get(request.key).then(
            () => undefined,
            (error: unknown) => formatError(error),
          )
        : undefined;
    problems.push({ request, status, reason });
  }

  const locations = requests.map((request) => {
    const status = statusOf(request);
    const found: CheckLocation = status === 'cached' ? (engine.foundIn(request.key) ?? 'local') : status;
    return { key: request.key, found, prompt: request.job.params.prompt, origins: request.origins };
  });
  const found = { local: 0, remote: 0, missing: 0, corrupt: 0 };
  for (const location of locations) found[location.found] += 1;

  const offline = engine.config.provider === 'auto' && engine.providerId === 'local';
  const cached = requests.filter((request) => statusOf(request) === 'cached');
  return {
    images: requests.length,
    problems,
    locations,
    found,
    remote: engine.remote?.remote.location,
    remoteProblem: engine.remote?.problem,
    nextStep:
      problems.length === 0
        ? undefined
        : (engine.remoteNextStep() ?? `Run \`genimage generate\` locally and commit ${engine.cacheLocation}/.`),
    offline,
    placeholders: offline ? await countPlaceholders(engine, cached) : 0,
  };
}

/** Verified entries rendered by the `local` provider. */
async function countPlaceholders(engine: Engine, cached: readonly PlannedRequest[]): Promise<number> {
  const providers = await Promise.all(cached.map(async (request) => (await engine.cache.store.readMeta(request.key))?.provider));
  return providers.filter((provider) => provider === 'local').length;
}
