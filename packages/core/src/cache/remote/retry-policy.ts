/**
 * How the bucket's SDK client retries: once, after a short pause, for what the SDK calls transient
 * or throttled (a reset connection, a 503), and never after a silence. The SDK's standard policy
 * would retry a timeout too, so a bucket that accepts connections and never answers would cost
 * every caller twice `timeoutMs` (a dev server's page 20 s with the default).
 */
export const RETRY_DELAY_MS = 100;

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** The SDK's retry strategy interface (v2), as its middleware calls it. */
export const oneRetryUnlessSilent = {
  mode: 'standard',
  async acquireInitialRetryToken(): Promise<RetryToken> {
    return token(0, 0);
  },
  async refreshRetryTokenForRetry(previous: RetryToken, info: { error?: unknown; errorType: string }): Promise<RetryToken> {
    const retryable = info.errorType === 'TRANSIENT' || info.errorType === 'THROTTLING';
    // Throwing tells the SDK not to retry: it then throws the request's own error.
    if (previous.getRetryCount() >= 1 || !retryable || isTimeout(info.error)) throw new Error('no retry');
    return token(previous.getRetryCount() + 1, RETRY_DELAY_MS);
  },
  recordSuccess(): void {},
};

function token(count: number, delay: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delay };
}

/** Whether an SDK error says that the bucket stayed silent past the timeout. */
export function isTimeout(error: unknown): boolean {
  const { name, code, message } = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  return name === 'TimeoutError' || code === 'ETIMEDOUT' || name === 'RequestTimeout' || /timed? ?out/i.test(String(message ?? ''));
}
