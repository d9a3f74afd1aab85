/**
 * The package's public API is chosen name by name in src/index.ts: adding or removing a name is a
 * decision, made here too. Anything not listed is internal.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.ts';

const PUBLIC_VALUES = [
  // The vocabulary
  'Aborted', 'ApiError', 'AuthFailed', 'BudgetExceeded', 'CacheCorrupt', 'CacheDirLinked', 'CacheLockTimeout', 'ContentModeration',
  'DynamicAttribute', 'FrozenMissing', 'GenImageError', 'InputTooLarge', 'InsufficientCredits', 'InvalidAttribute', 'InvalidOptions',
  'InvalidParams', 'InvalidRequest', 'InvalidResponse', 'MarkerSyntax', 'MissingApiKey', 'NetworkFailed', 'ProviderFailed',
  'ProviderTimeout', 'RateLimited', 'ReferenceNotFound', 'ReferenceOutsideRoot', 'RemoteAccessDenied', 'RemoteNoCredentials',
  'RemoteNoETag', 'RemoteNotConfigured', 'RemoteObjectChanged', 'RemoteSdkMissing', 'RemoteUnavailable', 'RenderFailed', 'RunStopped',
  'UnsupportedMarkerFile', 'formatError', 'formatLocation', 'isGenImageError', 'messageOf', 'stopsTheRun',
  'compareLocations', 'createDiagnostic', 'diagnosticToError', 'sortByLocation',
  'safeLogger', 'silentLogger', 'PREVIEW_LENGTH', 'escapeControls', 'formatDuration', 'quoteText',
  'REDACTED', 'redactForeignText', 'redactSecrets', 'escapeHtml', 'sha256Hex',
  'ASPECT_RATIOS', 'DEFAULT_MODEL', 'IMAGE_SIZES', 'generationParamsSchema',
  'ATTRIBUTES', 'GENERATION_ATTRIBUTES', 'PLACEHOLDER_KINDS', 'RENDER_FORMATS', 'attributeNameOf', 'attributeSpec', 'expressionProp',
  'expressionProps', 'spellingOf', 'dimensionsFor', 'DEFAULT_MAX_PIXELS', 'decodeLimits',
  // Markers and configuration
  'isDynamic', 'parseMarkers', 'dynamicAttributeError', 'interpretMarker', 'ALWAYS_EXCLUDE', 'DEFAULT_CACHE_DIR', 'DEFAULT_INCLUDE', 'scan',
  'configSchema', 'describeIssues', 'isCI', 'mergeConfig', 'resolveConfig', 'resolveFrozen', 'CONFIG_FILE_NAMES', 'findConfigFile',
  'loadConfigFile', 'findAdapterOptions', 'recordAdapterOptions',
  // The cache
  'KEY_VERSION', 'cacheKey', 'parseEntryMeta', 'FileSystemStore', 'ImageCache', 'S3Store', 'parseS3Url', 'TieredStore', 'pullCache', 'pushCache',
  // Generation and the engine
  'inspectImage', 'SharkProvider', 'LocalProvider', 'createProvider', 'Scheduler', 'formatFailures', 'formatSummary', 'Engine', 'FrozenMissingError',
  // Rendering and source rewriting
  'Optimizer', 'mimeTypeOf', 'renderPicture', 'ImageRenderer', 'ORIGIN_ATTRIBUTE', 'parseOrigin', 'prepareBuild', 'htmlToJsx',
  'attributesOf', 'findTags', 'splice', 'markerMatcher', 'signature', 'replaceTags', 'replaceTagsOfSource', 'replaceJsxMarkers',
  'injectOrigins', 'editAttribute',
  // Reports
  'planGeneration', 'checkCache', 'applyPrune', 'planPrune', 'pruneCache', 'collectGallery', 'renderGallery',
];

describe('the public API', () => {
  it('is exactly the names chosen on purpose', () => {
    expect(Object.keys(core).sort()).toEqual([...PUBLIC_VALUES].sort());
  });

  it('names each export, never a whole module (`export *`)', () => {
    const index = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8');
    expect(index).not.toMatch(/export \*/);
  });
});
