// The public API of @genimage/core. Re-exports only: each concept lives in its own module, each
// part in its own folder (see README.md's "Developing" for the layers).
export * from './errors.ts';
export * from './diagnostics.ts';
export * from './logger.ts';
export * from './terminal-text.ts';
export * from './secrets.ts';
export * from './hash.ts';
export * from './params.ts';
export * from './attributes.ts';
export * from './dimensions.ts';
export { DEFAULT_MAX_PIXELS, decodeLimits } from './sharp.ts';

export * from './markers/markers.ts';
export * from './markers/marker-params.ts';
export * from './markers/scan.ts';

export * from './config/config.ts';
export * from './config/config-file.ts';
export * from './config/adapter-options.ts';

export * from './cache/key.ts';
export * from './cache/store.ts';
export * from './cache/fs-store.ts';
export * from './cache/cache.ts';
export * from './cache/remote/remote.ts';
export * from './cache/remote/s3-store.ts';
export * from './cache/remote/tiered-store.ts';
export * from './cache/remote/sync.ts';

export * from './generate/retry.ts';
export * from './generate/image.ts';
export * from './generate/references.ts';
export * from './generate/providers/provider.ts';
export * from './generate/providers/shark.ts';
export * from './generate/providers/local.ts';
export * from './generate/providers/select.ts';
export * from './generate/schedule.ts';

export * from './engine.ts';

export * from './render/optimize.ts';
export * from './render/picture.ts';
export * from './render/renderer.ts';
export * from './render/jsx.ts';

export * from './rewrite/tags.ts';
export * from './rewrite/match.ts';
export * from './rewrite/html.ts';
export * from './rewrite/jsx-markers.ts';
export * from './rewrite/origins.ts';
export * from './rewrite/edit-attribute.ts';

export * from './reports/plan.ts';
export * from './reports/check.ts';
export * from './reports/prune.ts';
export * from './reports/gallery.ts';
