import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAY_HOLD_MARKER, findTags, formatError, formatLocation } from '@genimage/core';
import type { Rollup } from 'vite';

/**
 * The modules behind `@genimage/vite/react`, `/vue` and `/svelte`, by real path: in a bundle, each
 * means a `<GenImage>` nothing replaced.
 */
const STUBS = new Map(
  (['react', 'vue', 'svelte'] as const).map((framework) => {
    const file = fileURLToPath(new URL(`./${framework}.js`, import.meta.url));
    return [realpathOr(file), framework] as const;
  }),
);
/** The stubs' shared module: imported by them, never by a site. */
const STUB_HELPER = realpathOr(fileURLToPath(new URL('./stub.js', import.meta.url)));
const STUB_SOURCES = { react: '.jsx/.tsx files', vue: '.vue templates', svelte: '.svelte components' } as const;

/**
 * Scanned means rendered, or refused: every `<GenImage>` left in what a build emits, as a line
 * naming where it is. A raw tag in an HTML page or a JavaScript chunk would ship as it is, and the
 * `<GenImage>` components of `@genimage/vite/react`, `/vue` and `/svelte` only render when the
 * plugin did not replace the marker.
 */
export function unrenderedMarkers(
  bundle: Rollup.OutputBundle,
  root: string,
  importersOf?: (id: string) => readonly string[] | undefined,
): string[] {
  const found: string[] = [];
  // Without a query: `Hero.vue?vue&type=script&setup=true&lang.ts` is Hero.vue's script.
  const relative = (id: string) => (id.startsWith(`${root}/`) ? id.slice(root.length + 1) : id).replace(/\?.*$/, '');
  for (const output of Object.values(bundle)) {
    if (output.type === 'asset') {
      if (!output.fileName.endsWith('.html') || typeof output.source !== 'string' || !MAY_HOLD_MARKER.test(output.source)) continue;
      try {
        for (const tag of findTags(output.source, output.fileName))
          found.push(`${formatLocation(tag.location)}: a raw <GenImage> tag in the built page`);
      } catch (error) {
        // A tag the parser rejects is raw too; its located message says why.
        found.push(formatError(error));
      }
      continue;
    }
    for (const [id, module] of Object.entries(output.modules)) {
      if (module.renderedLength === 0) continue;
      const stub = STUBS.get(realpathOr(id));
      if (stub !== undefined) {
        // Who imports the stub, when the build can say; else the chunk's other modules.
        const candidates = importersOf?.(id) ?? output.moduleIds;
        const importers = [...new Set(candidates.filter((other) => other !== id && !isStubFile(other)).map(relative))];
        found.push(
          `${output.fileName}: <GenImage> from @genimage/vite/${stub} is used but was not replaced (only literal <GenImage ... /> tags in ${STUB_SOURCES[stub]} are), in ${importers.join(', ') || 'this chunk'}`,
        );
      } else if (module.code !== null && /<GenImage[\s/>]/i.test(module.code)) {
        found.push(`${relative(id)}: a raw <GenImage> tag in the JavaScript of ${output.fileName}`);
      } else if (module.code !== null && compiledReference(id, module.code)) {
        found.push(
          `${relative(id)}: a <GenImage> compiled into a component nothing defines, in ${output.fileName} (is the genimage plugin before the framework's plugin in vite.config?)`,
        );
      }
    }
  }
  return found;
}

/**
 * What a template compiler makes of a `<GenImage>` it does not know: Vue resolves the component by
 * name at runtime (`resolveComponent("GenImage")`, renders an empty `<genimage>`); Svelte and
 * other compilers call or pass it by name (`GenImage(node, props)`, `new GenImage(...)`,
 * `jsx(GenImage, props)` from MDX), which throws "GenImage is not defined". Script modules are left
 * to the React stub check: there `GenImage(` may be a function of the site's own.
 */
function compiledReference(id: string, code: string): boolean {
  if (/\bresolve(?:Dynamic)?Component\$?\d*\(\s*(["'`])GenImage\1/.test(code)) return true;
  const source = id.replace(/[?#].*$/, '');
  return !/\.[cm]?[jt]sx?$/.test(source) && /(?<![\w$.])GenImage\(|(?<=[(,]\s*)GenImage\s*,/.test(code);
}

function isStubFile(id: string): boolean {
  const real = realpathOr(id);
  return STUBS.has(real) || real === STUB_HELPER;
}

function realpathOr(id: string): string {
  if (id.startsWith('\0')) return id;
  try {
    return realpathSync(id);
  } catch {
    return id;
  }
}
