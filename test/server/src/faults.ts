/**
 * Injectable faults: what can go wrong between a client and the hosted API, one kind each.
 *
 * Faults that replace the answer (`error`, `reset`, `hang`, `brokenJson`) fire before the
 * request is checked, like a proxy or an overloaded upstream would. The others change what a
 * normal answer looks like, so an invalid request still gets its normal 4xx.
 */

export type Fault =
  /** Any status from 200 to 599; `type` and `message` default to the error table's row for it. */
  | {
      kind: 'error';
      status: number;
      type?: string;
      message?: string;
      headers?: Record<string, string>;
      /** Replaces the JSON body `{"error":{"type","message"}}`; sent as text/plain unless `headers` say otherwise. */
      rawBody?: string;
      /** Appends the request's Authorization header to the message, as a careless server does. */
      echoAuthorization?: boolean;
    }
  /** Read the request fully, then reset the connection without answering. */
  | { kind: 'reset' }
  /** Read the request and never answer, until the client aborts or the server closes. */
  | { kind: 'hang' }
  /** 200 with a truncated JSON body. */
  | { kind: 'brokenJson' }
  /** 200 whose `data` items carry a `b64_json` that is not base64 (whatever the response_format). */
  | { kind: 'invalidBase64' }
  /** 200 with bytes that are not an image: base64 in `b64_json`, or served by the download URL. */
  | { kind: 'notImage' }
  /** 200 with one image fewer than `n` (none when n is 1). */
  | { kind: 'fewerImages' }
  /** Send the status and headers at once, the body only after `delayMs`, in chunks. */
  | { kind: 'slowBody'; delayMs: number }
  /** Answer normally, `ms` after the request arrived: the image is made meanwhile, as a hosted API's latency covers its own work. */
  | { kind: 'delay'; ms: number }
  /** response_format=url: the download serves `bytes` bytes of garbage, with a content-length unless `chunked`. */
  | { kind: 'oversizedDownload'; bytes: number; chunked?: boolean }
  /** response_format=url: the download answers `status`. */
  | { kind: 'downloadFails'; status: number }
  /** A valid PNG carrying `bytes` more bytes in a private ancillary chunk: a large answer that decodes small. */
  | { kind: 'largeImage'; bytes: number };

export type FaultKind = Fault['kind'];

/** Faults that answer in place of the normal handling, before auth and validation. */
export function replacesAnswer(fault: Fault | undefined): boolean {
  return fault !== undefined && ['error', 'reset', 'hang', 'brokenJson'].includes(fault.kind);
}

function expectNumber(kind: string, field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`Expected \`${field}\` of fault \`${kind}\` to be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

/** Throws on a fault that cannot be acted out, so a typo fails the test that made it. */
export function checkFault(fault: Fault): void {
  switch (fault.kind) {
    case 'error':
      return expectNumber(fault.kind, 'status', fault.status, 200, 599);
    case 'downloadFails':
      return expectNumber(fault.kind, 'status', fault.status, 400, 599);
    case 'slowBody':
      return expectNumber(fault.kind, 'delayMs', fault.delayMs, 0);
    case 'delay':
      return expectNumber(fault.kind, 'ms', fault.ms, 0);
    case 'oversizedDownload':
      return expectNumber(fault.kind, 'bytes', fault.bytes, 0);
    case 'largeImage':
      return expectNumber(fault.kind, 'bytes', fault.bytes, 0, 2 ** 31 - 1);
    case 'reset':
    case 'hang':
    case 'brokenJson':
    case 'invalidBase64':
    case 'notImage':
    case 'fewerImages':
      return;
    default:
      throw new TypeError(`Unknown fault kind ${JSON.stringify((fault as { kind: unknown }).kind)}`);
  }
}

/** Faults queued for one prompt first, then queued faults, one per request, then the standing fault, if any. */
export class FaultPlan {
  #queue: Fault[] = [];
  readonly #byPrompt = new Map<string, Fault[]>();
  #standing: Fault | undefined;

  enqueue(faults: Fault[]): void {
    faults.forEach(checkFault);
    this.#queue.push(...faults);
  }

  enqueueFor(prompt: string, faults: Fault[]): void {
    faults.forEach(checkFault);
    const queue = this.#byPrompt.get(prompt) ?? [];
    queue.push(...faults);
    this.#byPrompt.set(prompt, queue);
  }

  always(fault: Fault | undefined): void {
    if (fault) checkFault(fault);
    this.#standing = fault;
  }

  /** The fault for the next request (with this prompt, when it has one), consumed if it was queued. */
  next(prompt?: string): Fault | undefined {
    const forPrompt = prompt === undefined ? undefined : this.#byPrompt.get(prompt)?.shift();
    return forPrompt ?? this.#queue.shift() ?? this.#standing;
  }

  get pending(): number {
    return this.#queue.length + [...this.#byPrompt.values()].reduce((sum, queue) => sum + queue.length, 0);
  }

  clear(): void {
    this.#queue = [];
    this.#byPrompt.clear();
    this.#standing = undefined;
  }
}
