/**
 * The encoder process's program (started by `EncoderProcess`): encodes each variant it is sent
 * and sends the bytes back.
 *
 * An original given as a file is decoded from the file, never held whole in memory: buffers of
 * 10 MB (a 4K PNG) that the garbage collector frees late were most of this process's peak. Before
 * its first use the file is checked as `Originals` checks what it reads (size and sha256, read
 * through a descriptor that does not follow a link); its identity (inode, size, times) is then
 * kept, and a later use, or a change while it is decoded, that finds another identity fails as
 * corrupt: the build does not encode bytes nobody checked.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { digestOfFile, type ImageDigest } from '../cache/digest.ts';
import { loadSharp } from '../sharp.ts';
import { DecodedOriginals } from './decoded-originals.ts';
import { encode, previewStats } from './encode.ts';
import { AVIF_PIXELS_AT_ONCE, EncodeQueue, encodeRank, encodeWeight } from './encode-queue.ts';
import type { EncodeJob, EncodeReply } from './encoder-process.ts';
import type { OriginalFile, Variant } from './optimize.ts';

const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

class Corrupt extends Error {}

// One libvips thread per encode, the encodes side by side: the cores stay busy without threads
// waiting on each other, and the bytes are what sharp makes in a build's process on glibc
// (where it defaults to one thread; AVIF's bytes depend on the thread count). No operation
// cache: no two encodes here are the same.
const ready = loadSharp().then((sharp) => {
  sharp.concurrency(1);
  sharp.cache(false);
});

/** Originals decoded once for all their variants, where that makes the same bytes. */
const decoded = new DecodedOriginals();

/** Files checked, by path: the identity they had then. */
const checked = new Map<string, string>();

function identity(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

async function currentIdentity(file: OriginalFile): Promise<string> {
  let stats: Stats;
  try {
    stats = await lstat(file.path);
  } catch (error) {
    throw new Corrupt(`${file.name} could not be read: ${(error as Error).message}`);
  }
  if (stats.isSymbolicLink())
    throw new Corrupt(`${file.name} could not be read: ${file.path} is a symbolic link; genimage never follows links in its cache`);
  if (!stats.isFile()) throw new Corrupt(`${file.name} could not be read: ${file.path} is not a file`);
  return identity(stats);
}

/** Reads the file through, hashing it; throws unless it is the file its metadata describes. */
async function check(file: OriginalFile, sha256: string): Promise<string> {
  let stats: Stats;
  let digest: ImageDigest;
  try {
    const handle = await open(file.path, constants.O_RDONLY | NO_FOLLOW);
    try {
      stats = await handle.stat();
      digest = await digestOfFile(handle);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === 'ELOOP'
        ? `${file.path} is a symbolic link; genimage never follows links in its cache`
        : (error as Error).message;
    throw new Corrupt(`${file.name} could not be read: ${why}`);
  }
  if (digest.bytes !== file.size || digest.sha256 !== sha256) {
    throw new Corrupt(`${file.name} does not match its metadata (size or sha256).`);
  }
  return identity(stats);
}

async function fromFile(file: OriginalFile, sha256: string, variant: Variant): Promise<Uint8Array> {
  const before = await currentIdentity(file);
  if (checked.get(file.path) !== before) {
    checked.delete(file.path);
    if ((await check(file, sha256)) !== before) throw new Corrupt(`${file.name} changed while it was read.`);
    checked.set(file.path, before);
  }
  const pixels = await decoded.get(file.path, before);
  const bytes = await encode(pixels ?? file.path, variant);
  if ((await currentIdentity(file)) !== before) {
    checked.delete(file.path);
    throw new Corrupt(`${file.name} changed while it was encoded.`);
  }
  return bytes;
}

async function reply(job: EncodeJob): Promise<EncodeReply> {
  try {
    await ready;
    if ('stats' in job) return { id: job.id, stats: await previewStats(job.stats) };
    const { source } = job;
    const bytes = 'bytes' in source ? await encode(source.bytes, job.variant) : await fromFile(source.file, source.sha256, job.variant);
    return { id: job.id, bytes };
  } catch (error) {
    return { id: job.id, error: (error as Error).message, corrupt: error instanceof Corrupt };
  }
}

/** Every encode the build sent, run here one per core: the build's process may be too busy to send the next in time. */
const queue = new EncodeQueue(Number(process.argv[2]) || availableParallelism(), Number(process.argv[3]) || AVIF_PIXELS_AT_ONCE);

process.on('message', (job: EncodeJob) => {
  const answered =
    'stats' in job
      ? reply(job)
      : queue.run({ weight: encodeWeight(job.variant), rank: encodeRank(job.first) }, () => {
          process.send?.({ id: job.id, started: true } satisfies EncodeReply);
          return reply(job);
        });
  void answered.then((answer) => process.send?.(answer));
});
// The build's process ended, or stopped this one.
process.on('disconnect', () => process.exit(0));
