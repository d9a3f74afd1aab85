/**
 * Where the CLI writes. stdout carries the command's result (its report, or the `--json`
 * document and nothing else); stderr carries everything about the run: progress, warnings,
 * diagnostics and errors. Every line passes through `redact`, so a secret never reaches either.
 */
import type { Logger } from '@genimage/core';
import pc from 'picocolors';

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
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

type Colors = ReturnType<typeof pc.createColors>;

export class Output {
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly silent: boolean;
  readonly verbose: boolean;
  readonly json: boolean;
  /** Colours for stdout and stderr: only on a terminal, never with NO_COLOR. */
  readonly color: Colors;
  readonly errColor: Colors;
  #secrets: string[] = [];
  /** A progress bar owns the current terminal line: clear it before writing a line of our own. */
  #statusLine = false;

  constructor(options: OutputOptions = {}) {
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.silent = options.silent ?? false;
    this.verbose = (options.verbose ?? false) && !this.silent;
    this.json = options.json ?? false;
    const env = options.env ?? process.env;
    const colorful = (stream: Stream) => Boolean(stream.isTTY) && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
    this.color = pc.createColors(colorful(this.stdout) && !this.json);
    this.errColor = pc.createColors(colorful(this.stderr));
  }

  /** Values never to print, such as the API key; they are replaced with `***`. */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 4 && !this.#secrets.includes(value)) this.#secrets.push(value);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.#secrets) result = result.replaceAll(secret, '***');
    return result;
  }

  /** Set while a progress bar is drawn on stderr; it redraws itself on its next update. */
  set statusLine(active: boolean) {
    this.#statusLine = active;
  }

  /** One line on stderr, whatever `--silent` says: errors and their details. */
  errLine(line: string): void {
    this.stderr.write(`${this.#statusLine ? '\r\x1b[2K' : ''}${this.redact(line)}\n`);
  }

  /** A line of the command's report: stdout, or stderr under `--json` (stdout is the document's). */
  result(line = ''): void {
    if (this.json) this.info(line);
    else this.stdout.write(`${this.redact(line)}\n`);
  }

  /** The `--json` document: the only thing on stdout. */
  document(value: unknown): void {
    this.stdout.write(`${this.redact(JSON.stringify(value, null, 2))}\n`);
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
}
