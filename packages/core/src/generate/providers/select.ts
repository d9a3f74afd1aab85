import { type GenImageEnv, isCI, type ResolvedConfig } from '../../config/config.ts';
import { GenImageError, InvalidOptions, MissingApiKey } from '../../errors.ts';
import { SECURE_URL_RULE, serviceUrlProblem } from '../../secure-url.ts';
import type { Logger } from '../../logger.ts';
import { LocalProvider } from './local.ts';
import type { Provider } from './provider.ts';
import { SharkProvider } from './shark.ts';

export type ProviderId = 'shark' | 'local';

/**
 * The API base URL from the `baseUrl` option, else SHARK_BASE_URL: a configuration error, naming
 * where it came from, when the service URL rule refuses it (not a URL, plain http to another
 * machine, a user name or password in it).
 */
export function resolveBaseUrl(config: ResolvedConfig, env: GenImageEnv): string | undefined {
  const [value, source] = config.baseUrl !== undefined ? [config.baseUrl, 'baseUrl'] : [env.SHARK_BASE_URL || undefined, 'SHARK_BASE_URL'];
  if (value === undefined) return undefined;
  const problem = serviceUrlProblem(value);
  if (problem) {
    throw new GenImageError(InvalidOptions, `${source}: ${problem}.`, {
      hint: `Use ${SECURE_URL_RULE}, e.g. https://shark.ai/api/v1; or unset it for the default.`,
    });
  }
  return value;
}

function apiKeyOf(config: ResolvedConfig, env: GenImageEnv): string | undefined {
  return config.apiKey ?? (env.SHARK_API_KEY || undefined);
}

/**
 * Which provider's images this run uses. Decided without creating it: cache keys depend on it even
 * when nothing is generated. In CI without a key, `auto` still means the real API, so committed
 * images are found and missing ones reported rather than silently replaced by placeholders.
 */
export function resolveProviderId(config: ResolvedConfig, env: GenImageEnv): ProviderId {
  // Checked here, at start-up, so a bad URL fails before anything is scanned or sent.
  resolveBaseUrl(config, env);
  if (config.provider !== 'auto') return config.provider;
  return apiKeyOf(config, env) !== undefined || isCI(env) ? 'shark' : 'local';
}

export function createProvider(id: ProviderId, config: ResolvedConfig, env: GenImageEnv, logger: Logger): Provider {
  if (id === 'local') {
    if (config.provider === 'auto') {
      logger.warn(
        'No SHARK_API_KEY is set: rendering offline placeholders with the `local` provider. Set the key to generate real images.',
      );
    }
    return new LocalProvider();
  }
  const apiKey = apiKeyOf(config, env);
  if (apiKey === undefined) {
    throw new GenImageError(
      MissingApiKey,
      'Generating with the shark provider needs SHARK_API_KEY or the `apiKey` option, and neither is set.',
    );
  }
  return new SharkProvider({
    apiKey,
    baseUrl: resolveBaseUrl(config, env),
    responseFormat: config.responseFormat,
    timeoutMs: config.timeout,
    retries: config.retries,
    logger,
  });
}
