import type { CacheStatus } from '../engine.ts';
import type { ProviderId } from '../generate/providers/select.ts';
import type { PlannedRequest } from '../generate/schedule.ts';

/** One distinct request and what the cache holds for it. */
export interface PlanItem {
  request: PlannedRequest;
  status: CacheStatus;
}

/** What a build would generate, and what it would cost: no network, no writes. */
export interface GenerationPlan {
  provider: ProviderId;
  /** Every distinct request, in scan order. */
  items: PlanItem[];
  /** Requests a build would send: missing, or corrupt (a corrupt entry is generated again). */
  toGenerate: PlannedRequest[];
  /** Images those requests produce (the sum of their `n`). */
  images: number;
  /** What one image is assumed to cost: 0 for `local` placeholders. */
  creditsPerImage: number;
  /** `images × creditsPerImage`: an estimate, the provider says the real price per response. */
  estimatedCredits: number;
}

export interface PlanOptions {
  provider: ProviderId;
  /** The `estimatedCreditsPerImage` option. */
  estimatedCreditsPerImage: number;
}

/**
 * The plan for `requests` given their cache `statuses` (from `Engine.statuses`). A request with
 * no status is counted as missing.
 *
 * @example
 * const { requests } = await engine.scan();
 * const plan = planGeneration(requests, await engine.statuses(requests), {
 *   provider: engine.providerId,
 *   estimatedCreditsPerImage: engine.config.estimatedCreditsPerImage,
 * });
 */
export function planGeneration(
  requests: readonly PlannedRequest[],
  statuses: ReadonlyMap<string, CacheStatus>,
  options: PlanOptions,
): GenerationPlan {
  const items = requests.map((request) => ({ request, status: statuses.get(request.key) ?? 'missing' }));
  const toGenerate = items.filter((item) => item.status !== 'cached').map((item) => item.request);
  const images = toGenerate.reduce((sum, request) => sum + request.job.params.n, 0);
  // Placeholders are rendered on this machine: they cost nothing.
  const creditsPerImage = options.provider === 'local' ? 0 : options.estimatedCreditsPerImage;
  return { provider: options.provider, items, toGenerate, images, creditsPerImage, estimatedCredits: images * creditsPerImage };
}
