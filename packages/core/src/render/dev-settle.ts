/**
 * Waits for a declaration to settle before paying for it. An editor that autosaves while a prompt
 * is typed renders "a bird on", "a bird on a", … at one place, seconds apart: only the key that
 * stays at its place for `settleMs` is sent. A key not sent yet is dropped when its place declares
 * another; one already sent has been paid for and finishes.
 */
export class Settle {
  readonly #settleMs: () => number;
  /** By place (`file:line:col`): the latest key declared there, and its timer. */
  readonly #waiting = new Map<string, { key: string; timer: NodeJS.Timeout }>();

  constructor(settleMs: () => number) {
    this.#settleMs = settleMs;
  }

  /** Keys waiting to settle. */
  get waitingCount(): number {
    return this.#waiting.size;
  }

  /** Calls `send` once `key` has stayed at `place` for `settleMs` (at once for 0). Declared again unchanged, the wait goes on. */
  after(place: string, key: string, send: () => void): void {
    const waiting = this.#waiting.get(place);
    if (waiting?.key === key) return;
    if (waiting) clearTimeout(waiting.timer);
    const ms = this.#settleMs();
    if (ms === 0) {
      this.#waiting.delete(place);
      return send();
    }
    const timer = setTimeout(() => {
      this.#waiting.delete(place);
      send();
    }, ms);
    // A server that stops does not wait for a request it never sent.
    timer.unref();
    this.#waiting.set(place, { key, timer });
  }

  /** Drops every key not sent yet: the server stops. */
  clear(): void {
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
  }
}
