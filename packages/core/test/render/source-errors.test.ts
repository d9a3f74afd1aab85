import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.ts';
import { firstMarkerError } from '../../src/render/source-errors.ts';

let root: string;
let engine: Engine;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'genimage-source-errors-'));
  engine = await Engine.load({ root, configFile: false, env: {}, options: { provider: 'local' } });
});
afterEach(() => rm(root, { recursive: true, force: true }));

const FILE = 'src/pages/index.astro';

describe('firstMarkerError', () => {
  test('none in a file whose markers are valid, or that has none', async () => {
    expect(await firstMarkerError(engine, '<GenImage prompt="a fox" alt="" />', FILE)).toBeUndefined();
    expect(await firstMarkerError(engine, '<p>No marker here</p>', FILE)).toBeUndefined();
  });

  test('the first error in reading order, at its attribute, counting the others', async () => {
    const source = [
      '<p>Before</p>',
      '<GenImage prompt="a fox" alt="" />',
      '<GenImage prompt="a heron" aspectRatio="7:5" alt="" />',
      '<GenImage prompt="an owl" />',
    ].join('\n');
    const error = await firstMarkerError(engine, source, FILE);
    expect(error).toMatchObject({
      code: 'InvalidAttribute',
      location: { file: FILE, line: 3, column: 28 },
      message: expect.stringMatching(/aspectRatio="7:5" is not supported.* \(1 more marker error\(s\) in this file\)$/),
    });
  });

  test('a syntax error the parser finds', async () => {
    const error = await firstMarkerError(engine, '<GenImage prompt="a fox" seed={forty} alt="" />', FILE);
    expect(error?.location).toMatchObject({ file: FILE, line: 1 });
  });
});
