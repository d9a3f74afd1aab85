#!/usr/bin/env node
// Checked before anything is imported: on an older Node, undici fails at load with a bare stack.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`genimage needs Node.js 22.19 or newer; this is ${process.version}.\n`);
  process.exit(2);
}
// Compiled code is cached on disk (in the OS temp folder): start-up is paid once, not every run.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../dist/index.js');
process.exitCode = await main(process.argv.slice(2));
