/**
 * Peak memory of one large answer, measured in a process of its own: the body is decoded as it
 * streams in, so the peak grows with the image, not with several copies of its base64 text.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer } from '@genimage/test-server';
import { expect, it } from 'vitest';

const IMAGE_MB = 96;

it(`a ${IMAGE_MB} MB image in a ${Math.round((IMAGE_MB * 4) / 3)} MB base64 answer costs about its own size in memory, not several copies`, async () => {
  const server = await startTestServer({ longEdge: { '1K': 64 } });
  try {
    // The warm-up request is normal; the second answer carries the large image.
    server.enqueue({ kind: 'delay', ms: 0 }, { kind: 'largeImage', bytes: IMAGE_MB * 1024 * 1024 });
    const runner = fileURLToPath(new URL('../fixtures/large-answer.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [runner, server.baseUrl, server.apiKey], { maxBuffer: 1024 * 1024 });
    const { bytes, peakRssMb, baseRssMb } = JSON.parse(stdout) as { bytes: number; peakRssMb: number; baseRssMb: number };
    expect(bytes).toBeGreaterThan(IMAGE_MB * 1024 * 1024);
    // Reading it whole took about 5x the image (bytes, text, parsed string, decoded copy); streaming
    // keeps the decoded image and little else. The bound leaves room for the allocator's slack.
    expect(peakRssMb - baseRssMb, `peak ${peakRssMb.toFixed(0)} MB, base ${baseRssMb.toFixed(0)} MB`).toBeLessThan(IMAGE_MB * 2);
  } finally {
    await server.close();
  }
});
