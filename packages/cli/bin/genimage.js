#!/usr/bin/env node
// Checked before anything is imported: on an older Node, undici fails at load with a bare stack.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`genimage needs Node.js 22.19 or newer; this is ${process.version}.\n`);
  process.exit(2);
}
const { main } = await import('../dist/index.js');
process.exitCode = await main(process.argv.slice(2));
