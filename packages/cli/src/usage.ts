/** A mistake on the command line (unknown command or flag, a bad flag value): exit code 2, JSON code `Usage`. */
export class UsageError extends Error {
  override name = 'UsageError';
}
