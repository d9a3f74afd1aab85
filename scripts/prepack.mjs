// Runs before each package is packed or published (its `prepack` script, then `tsc -b`).
// Only pnpm replaces the `workspace:*` ranges between the genimage packages with real versions
// when it packs; npm would ship them as they are, and no registry could install the result.
const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm/')) {
  const name = process.env.npm_package_name ?? 'this package';
  process.stderr.write(
    `${name} is packed and published with pnpm, which replaces the workspace:* ranges between the genimage packages with their versions; ` +
      `${agent.split(' ')[0] || 'this tool'} would ship them as they are.\n` +
      'Run `./run changeset publish` to publish (see "Developing" in the README), or `pnpm pack` in the package folder for a tarball.\n',
  );
  process.exit(1);
}
