// The public API of @genimage/core, chosen name by name: what the CLI and the adapters use, and
// what a script or another adapter needs (README.md). A module's other exports are internal and
// may change in any release. Each concept lives in its own module, each part in its own folder
// (the root README's "Developing" shows the layers).

// --- The vocabulary ---
export {
  type SourceLocation,
  type ErrorDefinition,
  type GenImageErrorOptions,
  type ApiErrorOptions,
  GenImageError,
  ApiError,
  isGenImageError,
  formatError,
  formatLocation,
  messageOf,
  stopsTheRun,
  // The catalog: every code is a contract that tests, --json output and users' scripts match on.
  InvalidRequest,
  ContentModeration,
  InputTooLarge,
  AuthFailed,
  MissingApiKey,
  InsufficientCredits,
  RateLimited,
  ProviderFailed,
  ProviderTimeout,
  NetworkFailed,
  InvalidResponse,
  CacheCorrupt,
  CacheLockTimeout,
  CacheDirLinked,
  CacheUnwritable,
  GalleryLinked,
  RemoteUnavailable,
  RemoteAccessDenied,
  RemoteNoCredentials,
  RemoteObjectChanged,
  RemoteNoETag,
  RemoteSdkMissing,
  RemoteNotConfigured,
  InvalidOptions,
  InvalidParams,
  ReferenceNotFound,
  ReferenceOutsideRoot,
  MarkerSyntax,
  DynamicAttribute,
  UnsupportedMarkerFile,
  InvalidAttribute,
  UnknownAttribute,
  MissingImport,
  RenderFailed,
  UnscannedMarker,
  FrozenMissing,
  BudgetExceeded,
  RunStopped,
  Aborted,
  ReviewInvalid,
  ReviewRefused,
  DeclarationChanged,
} from './errors.ts';
export { type Diagnostic, createDiagnostic, diagnosticToError, compareLocations, sortByLocation } from './diagnostics.ts';
export { type Logger, silentLogger, safeLogger } from './logger.ts';
export { escapeControls, quoteText, formatDuration, PREVIEW_LENGTH } from './terminal-text.ts';
export { REDACTED, redactSecrets, redactForeignText } from './secrets.ts';
export { escapeHtml } from './html.ts';
export { editDistance, nearest } from './nearest-name.ts';
export { sha256Hex } from './hash.ts';
export {
  DEFAULT_MODEL,
  ASPECT_RATIOS,
  IMAGE_SIZES,
  generationParamsSchema,
  type AspectRatio,
  type ImageSize,
  type ImageFormat,
  type GenerationParams,
  type GenerationParamsInput,
  type ResolvedReference,
  type Usage,
} from './params.ts';
export {
  ATTRIBUTES,
  GENERATION_ATTRIBUTES,
  RENDER_FORMATS,
  PLACEHOLDER_KINDS,
  attributeSpec,
  spellingOf,
  attributeNameOf,
  expressionProp,
  expressionProps,
  PASSTHROUGH_ATTRIBUTES,
  PASSTHROUGH_PREFIXES,
  passthroughName,
  type PassthroughProps,
  type AttributeName,
  type AttributeSpec,
  type AttributeValue,
  type Framework,
  type GenerationAttribute,
  type RenderingAttribute,
  type RenderFormat,
  type PlaceholderKind,
  type StyleObject,
  type GenImageProps,
  type GenImageReactProps,
} from './attributes.ts';
export { dimensionsFor, type Dimensions } from './dimensions.ts';
export { DEFAULT_MAX_PIXELS, decodeLimits } from './sharp.ts';

// --- Markers ---
export {
  parseMarkers,
  isDynamic,
  type Marker,
  type MarkerAttribute,
  type MarkerParseResult,
  type DynamicValue,
  type LiteralValue,
  type Span,
} from './markers/markers.ts';
export { MAY_HOLD_MARKER } from './markers/marker-tag.ts';
export { parseAllMarkers } from './markers/all-markers.ts';
export {
  interpretMarker,
  dynamicAttributeError,
  type MarkerRequest,
  type MarkerContext,
  type MarkerPreset,
} from './markers/marker-params.ts';
export { scan, DEFAULT_INCLUDE, ALWAYS_EXCLUDE, DEFAULT_CACHE_DIR, type MarkerScanOptions, type MarkerScanResult } from './markers/scan.ts';

// --- Configuration ---
export {
  configSchema,
  resolveConfig,
  mergeConfig,
  describeIssues,
  isCI,
  resolveFrozen,
  type GenImageConfig,
  type ResolvedConfig,
  type RenderOptions,
  type RemoteOptions,
  type Preset,
  type GenImageEnv,
} from './config/config.ts';
export { CONFIG_FILE_NAMES, findConfigFile, loadConfigFile } from './config/config-file.ts';
export { recordAdapterOptions, findAdapterOptions, type AdapterOptions } from './config/adapter-options.ts';
export { viteHtmlPages, unbuiltPagesMessage, type ViteBuildEntries } from './config/vite-pages.ts';

// --- The cache ---
export { cacheKey, KEY_VERSION, type KeyInput } from './cache/key.ts';
export { type CacheStore, type CacheEntryMeta, type CachedImageMeta, type StoredEntry, parseEntryMeta } from './cache/store.ts';
export { FileSystemStore, type FileSystemStoreOptions } from './cache/fs-store.ts';
export { ImageCache, type CachedEntry } from './cache/cache.ts';
export type { RemoteStore, RemoteEntryInfo } from './cache/remote/remote.ts';
export { S3Store, parseS3Url, type S3StoreOptions } from './cache/remote/s3-store.ts';
export { TieredStore, type TieredStoreOptions } from './cache/remote/tiered-store.ts';
export { PLACEHOLDER_PROVIDER, PlaceholderSplitStore, type PlaceholderSplitOptions } from './cache/placeholder-store.ts';
export { pushCache, pullCache, type SyncItem, type SyncSummary, type SyncOptions } from './cache/remote/sync.ts';

// --- Generation ---
export { inspectImage, type ImageInfo, type InspectImageOptions } from './generate/image.ts';
export type { Provider, ProviderJob, GenerationResult, GeneratedImage, GenerateOptions } from './generate/providers/provider.ts';
export { SharkProvider, type SharkProviderOptions } from './generate/providers/shark.ts';
export { LocalProvider, type LocalProviderOptions } from './generate/providers/local.ts';
export { createProvider, type ProviderId } from './generate/providers/select.ts';
export {
  Scheduler,
  formatSummary,
  formatFailures,
  type PlannedRequest,
  type ScheduleEvent,
  type GenerationSummary,
  type Failure,
  type Budget,
} from './generate/schedule.ts';
export { listenForInterrupt, type Interrupt, type InterruptOptions } from './generate/interrupt.ts';

// --- The engine ---
export {
  Engine,
  FrozenMissingError,
  type EngineInit,
  type ImageUse,
  type ScanResult,
  type CacheStatus,
  type MissingImage,
  type GenerateRunOptions,
} from './engine.ts';

// --- Rendering ---
export {
  type EncodeEvent,
  Optimizer,
  mimeTypeOf,
  type OptimizerOptions,
  type VariantFormat,
  type VariantOptions,
} from './render/optimize.ts';
export { renderPicture, type PictureFile, type PictureInput } from './render/picture.ts';
export {
  ImageRenderer,
  ORIGIN_ATTRIBUTE,
  parseOrigin,
  type ImageData,
  type RenderRequest,
  type RendererOptions,
} from './render/renderer.ts';
export { IMAGE_FUNCTION, parseCallMarkers } from './markers/call-markers.ts';
export { DECLARATION_KEYS, FRONTMATTER_FILE, parseFrontmatterMarkers } from './markers/frontmatter-markers.ts';
export { imageDeclarationSchema } from './markers/declaration-schema.ts';
export { prepareBuild } from './render/prepare-build.ts';
export { firstMarkerError } from './render/source-errors.ts';
export { htmlToJsx } from './render/jsx.ts';

// --- Source rewriting ---
export { findTags, attributesOf, splice, type RenderMarker } from './rewrite/tags.ts';
export { markerMatcher, signature } from './rewrite/match.ts';
export { replaceTags, replaceTagsOfSource } from './rewrite/html.ts';
export { replaceJsxMarkers } from './rewrite/jsx-markers.ts';
export { injectOrigins } from './rewrite/origins.ts';
export { editAttribute } from './rewrite/edit-attribute.ts';
export { editDeclaration, declarationKind, type DeclarationKind } from './rewrite/edit-declaration.ts';
export { replaceTemplateMarkers } from './rewrite/template-markers.ts';

// --- Reports ---
export { planGeneration, type GenerationPlan, type PlanItem, type PlanOptions } from './reports/plan.ts';
export { checkCache, type CheckReport, type CheckProblem, type CheckLocation, type CheckedImage } from './reports/check.ts';
export {
  planPrune,
  applyPrune,
  pruneCache,
  usesByKey,
  type PrunePlan,
  type PruneResult,
  type UnreferencedEntry,
  type ForeignEntry,
  type OnlyCopy,
  type AppliedPrune,
  type ApplyPruneOptions,
} from './reports/prune.ts';
export {
  planRemotePrune,
  applyRemotePrune,
  DEFAULT_REMOTE_RETENTION_DAYS,
  type RemotePrunePlan,
  type RemotePruneOptions,
} from './reports/prune-remote.ts';
export { collectGallery, renderGallery, type Gallery, type GalleryEntry, type CollectGalleryOptions } from './reports/gallery.ts';
export { writeGalleryFile } from './reports/gallery-file.ts';

// --- The review loop ---
export { ReviewSession, type ReviewSessionOptions } from './review/session.ts';
export { createReviewHandler, MAX_REVIEW_BODY_BYTES, type ReviewHandler } from './review/http.ts';
export { isLoopbackAddress, isLoopbackHost } from './review/guards.ts';
export { startReviewServer, type ReviewServerOptions, type RunningReviewServer } from './review/server.ts';
export {
  REVIEW_BASE,
  REVIEW_TOKEN_HEADER,
  MAX_CANDIDATES,
  DEFAULT_CANDIDATES,
  type Candidate,
  type ReviewImage,
  type ReviewList,
  type ReviewQuote,
  type ReviewTryResult,
  type ReviewKept,
  type ReviewErrorBody,
  type GenerationAbility,
} from './review/protocol.ts';
