/**
 * The memory of a command and every process it starts (a build and its encoder process), read
 * from /proc while it runs: GNU time's %M is one process's peak, not the tree's.
 *
 * Every SAMPLE_MS (the tree found again every TREE_MS): the resident memory (VmRSS) of each process of the tree, summed (the tree's
 * resident memory then), and each process's own peak so far (VmHWM, which the kernel keeps).
 * `peakKb` is the highest sum sampled; `sumOfPeaksKb`, the sum of each process's peak, is at least
 * the tree's true peak (the processes may peak at different times): the figure a target is held to.
 * Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { type ChildRun, runChild } from './child.ts';

const SAMPLE_MS = 25;
/**
 * The tree is found again (every process's /proc/<pid>/status read) this often: doing it at every
 * sample took 5% of a core from the build measured. A process found late loses no peak (VmHWM).
 */
const TREE_MS = 250;

export interface TreeRun extends ChildRun {
  /** The highest sum of the tree's resident memory sampled. */
  peakKb: number;
  /** Each process's own peak, summed: at least the tree's peak. */
  sumOfPeaksKb: number;
  /** Each process seen: its command's first words, its peak, and its CPU time (user + system) when last seen. */
  processes: { command: string; peakKb: number; cpuMs: number }[];
  /** The CPU time of every process of the tree, summed: each one's when last seen (a few ms before it ended). */
  cpuMs: number;
}

function status(pid: number): { rss: number; hwm: number; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rss: field('VmRSS'), hwm: field('VmHWM'), ppid: field('PPid') };
  } catch {
    return undefined;
  }
}

/** User + system CPU time, from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 3).join(' ').trim();
  } catch {
    return '?';
  }
}

/** `root` and its descendants now, by their parent ids. */
function tree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = status(pid)?.ppid;
    if (ppid !== undefined) parents.set(pid, ppid);
  }
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const [pid, ppid] of parents) if (ppid === found[i]) found.push(pid);
  return found;
}

/** Runs `command` with no standard input (bench/child.ts), measuring its tree; resolves when it exits, whatever its exit code. */
export async function runMeasuringTree(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv },
): Promise<TreeRun> {
  let root: number | undefined;
  const peaks = new Map<number, { command: string; peakKb: number; cpuMs: number }>();
  let peakKb = 0;
  let pids: number[] = [];
  let treeFound = Number.NEGATIVE_INFINITY;
  const sample = () => {
    if (root === undefined) return;
    if (performance.now() - treeFound >= TREE_MS) {
      pids = tree(root);
      treeFound = performance.now();
    }
    let sum = 0;
    for (const pid of pids) {
      const now = status(pid);
      if (!now) continue;
      sum += now.rss;
      const seen = peaks.get(pid) ?? { command: commandOf(pid), peakKb: 0, cpuMs: 0 };
      seen.peakKb = Math.max(seen.peakKb, now.hwm);
      seen.cpuMs = cpuMsOf(pid) ?? seen.cpuMs;
      peaks.set(pid, seen);
    }
    peakKb = Math.max(peakKb, sum);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  let run: ChildRun;
  try {
    run = await runChild(command, args, { ...options, onSpawn: (pid) => (root = pid) });
  } finally {
    clearInterval(timer);
  }
  const processes = [...peaks.values()];
  return {
    ...run,
    peakKb,
    sumOfPeaksKb: processes.reduce((sum, p) => sum + p.peakKb, 0),
    processes,
    cpuMs: processes.reduce((sum, p) => sum + p.cpuMs, 0),
  };
}
