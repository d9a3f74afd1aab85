import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Output, type Stream } from '../src/output.ts';

/** A stream that keeps what is written; `isTTY` to get colours. */
function sink(isTTY = false): Stream & { text: string } {
  const stream = {
    text: '',
    isTTY,
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream;
}

const ESC = '\x1b';

describe('redaction', () => {
  // A key with the characters JSON escapes: the document holds `\"` and `\\`, not the key as written.
  const KEY = 'sk-"quoted\\back-1234';

  it('a --json document carries no secret, whatever characters it has, and stays exact otherwise', () => {
    const stdout = sink();
    const out = new Output({ stdout, stderr: sink(), json: true });
    out.addSecret(KEY);
    out.document({ message: `The API said: invalid key ${KEY}.`, nested: [{ prompt: `uses ${KEY}` }], count: 3 });
    expect(stdout.text).not.toContain(KEY);
    expect(stdout.text).not.toContain(JSON.stringify(KEY).slice(1, -1));
    expect(stdout.text).not.toContain('quoted');
    expect(JSON.parse(stdout.text)).toEqual({ message: 'The API said: invalid key ***.', nested: [{ prompt: 'uses ***' }], count: 3 });
  });

  it('a --json document with the secret in a key', () => {
    const stdout = sink();
    const out = new Output({ stdout, stderr: sink(), json: true });
    out.addSecret(KEY);
    out.document({ [KEY]: 1 });
    expect(JSON.parse(stdout.text)).toEqual({ '***': 1 });
  });

  it('human text: the secret as written, JSON-escaped (quoted from an API answer) and URL-encoded', () => {
    const stderr = sink();
    const out = new Output({ stdout: sink(), stderr });
    out.addSecret(KEY);
    out.errLine(`raw ${KEY}`);
    out.errLine(`body {"key":${JSON.stringify(KEY)}}`);
    out.errLine(`url ?key=${encodeURIComponent(KEY)}`);
    expect(stderr.text).toBe('raw ***\nbody {"key":"***"}\nurl ?key=***\n');
  });

  it('a secret with a control character is redacted before it is escaped', () => {
    const stderr = sink();
    const out = new Output({ stdout: sink(), stderr });
    out.addSecret('sk-\ttab-secret');
    out.errLine('key sk-\ttab-secret');
    expect(stderr.text).toBe('key ***\n');
  });
});

describe('control characters in human text', () => {
  const EVIL = 'a fox \x1b]0;pwned\x07 \x1b[2J \x1b]52;c;ZWNobyBoaQ==\x07 \x9b2J \x7f';
  const SHOWN = 'a fox \\x1b]0;pwned\\x07 \\x1b[2J \\x1b]52;c;ZWNobyBoaQ==\\x07 \\x9b2J \\x7f';

  it('are shown escaped on every way out: result, info, warn, error, debug, a question', () => {
    const stdout = sink();
    const stderr = sink();
    const out = new Output({ stdout, stderr, verbose: true, env: { NO_COLOR: '1' } });
    out.result(EVIL);
    out.info(EVIL);
    out.warn(EVIL);
    out.error(EVIL);
    out.debug(EVIL);
    out.logger().info(EVIL);
    out.ask(EVIL);
    expect(stdout.text).toBe(`${SHOWN}\n`);
    expect(stderr.text).toBe(`${SHOWN}\nwarning ${SHOWN}\nerror ${SHOWN}\n${SHOWN}\n${SHOWN}\n${SHOWN}`);
    expect(stderr.text + stdout.text).not.toContain(ESC);
  });

  it('on a colour terminal, our colours stay live and the text inside and around them is escaped', () => {
    const stderr = sink(true);
    const out = new Output({ stdout: sink(true), stderr, verbose: true, env: {} });
    out.error(EVIL);
    out.debug(EVIL); // the whole line is coloured (dim): the text inside a colour is escaped too
    out.errLine(`${out.errColor.green('generated')} ${EVIL}`);
    expect(stderr.text).toBe(
      `${ESC}[31merror${ESC}[39m ${SHOWN}\n` + `${ESC}[2m${SHOWN}${ESC}[22m\n` + `${ESC}[32mgenerated${ESC}[39m ${SHOWN}\n`,
    );
  });

  it('a line break stays one in messages with several lines; a carriage return or tab is shown', () => {
    const stderr = sink();
    const out = new Output({ stdout: sink(), stderr });
    out.errLine('failed: title\n  hint: do this\r\tnow');
    expect(stderr.text).toBe('failed: title\n  hint: do this\\r\\tnow\n');
  });

  it('the --json document keeps the exact text; DEL and C1, which JSON leaves raw, are \\u escapes', () => {
    const stdout = sink();
    const out = new Output({ stdout, stderr: sink(), json: true });
    out.document({ prompt: EVIL });
    expect(stdout.text).not.toContain(ESC);
    expect(stdout.text).not.toMatch(/[\u007f-\u009f]/);
    expect(JSON.parse(stdout.text)).toEqual({ prompt: EVIL });
  });
});

describe('a reader that went away', () => {
  /** Like process.stdout on a pipe whose reader exited: writes fail with EPIPE, reported as an 'error' event. */
  function brokenPipe() {
    const emitter = new EventEmitter();
    let writes = 0;
    const stream: Stream = {
      write: () => {
        writes++;
        const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        process.nextTick(() => emitter.emit('error', error));
        return false;
      },
      on: (event, listener) => emitter.on(event, listener),
    };
    return { stream, writes: () => writes };
  }

  it('EPIPE ends the writing quietly: no error thrown, nothing more written', async () => {
    const pipe = brokenPipe();
    const out = new Output({ stdout: pipe.stream, stderr: sink() });
    out.result('first line');
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 100; i++) out.result(`line ${i}`);
    out.document({ more: true });
    expect(pipe.writes()).toBe(1);
  });

  it('another write error is not hidden', () => {
    const emitter = new EventEmitter();
    const out = new Output({ stdout: { write: () => true, on: (event, listener) => emitter.on(event, listener) }, stderr: sink() });
    expect(out).toBeDefined();
    expect(() => emitter.emit('error', Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC' }))).toThrow('ENOSPC');
  });
});
