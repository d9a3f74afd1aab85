/**
 * Where the CLI writes. stdout carries the command's result (its report, or the `--json`
 * document and nothing else); stderr carries everything about the run: progress, warnings,
 * diagnostics and errors. Every write goes through here, and here three things hold whatever
 * the text: a secret never appears (`redact`), a control character in human text is shown
 * escaped (`\x1b`, never a live escape sequence), and a reader that went away (`| head`) ends
 * the writing quietly instead of crashing with EPIPE.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '@genimage/core';
import pc from 'picocolors';
import { escapeControls, redactSecrets } from '@genimage/core';

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Set by Node once a write failed: the stream takes no more. */
  destroyed?: boolean;
  on?(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

export interface OutputOptions {
  stdout?: Stream;
  stderr?: Stream;
  /** Only errors on stderr. */
  silent?: boolean;
  /** Debug lines from core too. */
  verbose?: boolean;
  /** `--json`: stdout gets one JSON document; human text goes to stderr. */
  json?: boolean;
  env?: Record<string, string | undefined>;
}

export type Paint = (text: string) => string;

/** The colours the CLI uses; without colour each returns its text as is. */
export interface Colors {
  red: Paint;
  green: Paint;
  yellow: Paint;
  dim: Paint;
}

/**
 * Stands for ESC in our own colour codes until a line is written. Writing escapes every control
 * character of the line, user text included, then turns this mark back into ESC: so only the
 * codes our colour functions made reach the terminal live. Drawn at random for this process, so
 * no prompt or file name can contain it.
 */
const ESC_MARK = `\u{E000}${randomBytes(8).toString('hex')}\u{E000}`;

function colors(enabled: boolean): Colors {
  const codes = pc.createColors(enabled);
  // The text is escaped first, so the only ESC in picocolors' result are its own codes.
  const paint = (format: (text: string) => string): Paint =>
    enabled ? (text) => format(escapeControls(text, true)).replaceAll('\x1b', ESC_MARK) : (text) => text;
  return { red: paint(codes.red), green: paint(codes.green), yellow: paint(codes.yellow), dim: paint(codes.dim) };
}

/** DEL, C1 and the Unicode line separators, which JSON.stringify leaves raw: `\u009b` in a document is as exact and inert. */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029]/g;

/** Streams whose reader went away (EPIPE): nothing more is written to them. */
const closedStreams = new WeakSet<Stream>();
const watchedStreams = new WeakSet<Stream>();

/**
 * `genimage scan | head -1`: once head exits, a write fails with EPIPE, which Node raises as an
 * unhandled 'error' event with a stack trace. The reader has all it wanted: stop writing, quietly.
 * Any other write error (a full disk) is still thrown, as before.
 */
function watchForClose(stream: Stream): void {
  if (!stream.on || watchedStreams.has(stream)) return;
  watchedStreams.add(stream);
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    closedStreams.add(stream);
  });
}

/** As a URL would carry it; a lone surrogate cannot be encoded, and then the other forms must do. */
export class Output {
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly silent: boolean;
  readonly verbose: boolean;
  readonly json: boolean;
  /** Colours for stdout and stderr: only on a terminal, never with NO_COLOR. */
  readonly color: Colors;
  readonly errColor: Colors;
  /** Every form a secret can take in text (as is, JSON-escaped, URL-encoded, control-escaped), longest first. */
  #secrets: string[] = [];
  /** A progress bar owns the current terminal line: clear it before writing a line of our own. */
  #statusLine = false;

  constructor(options: OutputOptions = {}) {
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    watchForClose(this.stdout);
    watchForClose(this.stderr);
    this.silent = options.silent ?? false;
    this.verbose = (options.verbose ?? false) && !this.silent;
    this.json = options.json ?? false;
    const env = options.env ?? process.env;
    const colorful = (stream: Stream) => Boolean(stream.isTTY) && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
    this.color = colors(colorful(this.stdout) && !this.json);
    this.errColor = colors(colorful(this.stderr));
  }

  /** Values never to print, such as the API key; they are replaced with `***` (core's one rule, `redactSecrets`). */
  addSecret(value: string | undefined): void {
    if (value) this.#secrets.push(value);
  }

  redact(text: string): string {
    return redactSecrets(text, this.#secrets);
  }

  /** Set while a progress bar is drawn on stderr; it redraws itself on its next update. */
  set statusLine(active: boolean) {
    this.#statusLine = active;
  }

  /** One line on stderr, whatever `--silent` says: errors and their details. */
  errLine(line: string): void {
    this.#write(this.stderr, `${this.#statusLine ? '\r\x1b[2K' : ''}${this.#human(line)}\n`);
  }

  /** A line of the command's report: stdout, or stderr under `--json` (stdout is the document's). */
  result(line = ''): void {
    if (this.json) this.info(line);
    else this.#write(this.stdout, `${this.#human(line)}\n`);
  }

  /** A question on stderr, the answer typed after it on the same line. */
  ask(question: string): void {
    this.#write(this.stderr, this.#human(question));
  }

  /**
   * The `--json` document: the only thing on stdout. Exact: strings are redacted before they are
   * encoded (a key with `"` or `\` is escaped in JSON, so redacting the text after would miss it),
   * and nothing else is changed.
   */
  document(value: unknown): void {
    const json = JSON.stringify(value, (_key, item: unknown) => this.#redactJson(item), 2);
    this.#write(this.stdout, `${json.replace(JSON_UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`);
  }

  info(line: string): void {
    if (!this.silent) this.errLine(line);
  }

  debug(line: string): void {
    if (this.verbose) this.errLine(this.errColor.dim(line));
  }

  warn(line: string): void {
    if (!this.silent) this.errLine(`${this.errColor.yellow('warning')} ${line}`);
  }

  error(line: string): void {
    this.errLine(`${this.errColor.red('error')} ${line}`);
  }

  /** The logger core reports through: core never prints. */
  logger(): Logger {
    return {
      debug: (message) => this.debug(message),
      info: (message) => this.info(message),
      warn: (message) => this.warn(message),
      error: (message) => this.error(message),
    };
  }

  /**
   * Human text as the terminal gets it: redacted, every control character escaped (a line break
   * stays one: messages with a hint have several lines), then our colour codes made live.
   */
  #human(text: string): string {
    return escapeControls(this.redact(text), true).replaceAll(ESC_MARK, '\x1b');
  }

  #redactJson(item: unknown): unknown {
    if (typeof item === 'string') return this.redact(item);
    // Keys are ours, but "no secret in the document" should not depend on that.
    if (item !== null && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).some((key) => this.redact(key) !== key)) {
      return Object.fromEntries(Object.entries(item).map(([key, value]) => [this.redact(key), value]));
    }
    return item;
  }

  #write(stream: Stream, text: string): void {
    if (closedStreams.has(stream) || stream.destroyed) return;
    stream.write(text);
  }
}
