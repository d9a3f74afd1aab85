/**
 * sharp as packages/core resolves it: bench/ has no package.json of its own, and measuring the
 * very instance (and libvips build) that genimage's `encode()` uses is the point.
 */
import { createRequire } from 'node:module';
import type SharpModule from '../packages/core/node_modules/sharp/lib/index.js';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));

const sharp = require('sharp') as typeof SharpModule;
export default sharp;
