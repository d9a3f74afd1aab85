import type { Dispatcher } from 'undici';

type Undici = typeof import('undici');
let undici: Promise<Undici> | undefined;

/**
 * undici's `request`, loaded on first use: most runs (scan, check, warm builds) never call the
 * network, and loading undici is a sixth of the CLI's start-up.
 */
export async function request(url: string | URL, options: Parameters<Undici['request']>[1]): Promise<Dispatcher.ResponseData<unknown>> {
  undici ??= import('undici');
  return (await undici).request(url, options);
}
