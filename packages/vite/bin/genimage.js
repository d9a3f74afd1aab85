#!/usr/bin/env node
// The `genimage` command for a site that added only @genimage/vite: package managers put the
// commands of a site's own dependencies on its PATH, not those of their dependencies, so this one
// runs @genimage/cli's command (the same file, its Node version check included).
await import('@genimage/cli/bin/genimage.js');
