/** Runs the benchmarks' child processes: builds and CLI runs, timed, their output collected. */
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';

export interface ChildRun {
  /** Wall time from spawn to exit. */
  ms: number;
  code: number | null;
  /** stdout and stderr as they came, colour codes removed. */
  output: string;
}

/**
 * Spawns `command` with no standard input and resolves when it exits, whatever its exit code;
 * `onSpawn` is told its process id (a measurement follows it).
 */
export function runChild(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void },
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { ...(options.cwd && { cwd: options.cwd }), env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - start, code, output: stripVTControlCharacters(output) }));
  });
}

/** The last lines of a failed run's output, for its error. */
export function tail(output: string, lines = 30): string {
  return output.split('\n').slice(-lines).join('\n');
}
