import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAY_HOLD_MARKER, findTags, formatError, formatLocation } from '@genimage/core';
import type { Rollup } from 'vite';

/**
 * The modules behind `@genimage/vite/react` and `/svelte`, by real path: in a bundle, each means a
 * `<GenImage>` nothing replaced. Not `/vue`: unless it inlines the template (a production build),
 * Vue returns every import of `<script setup>` from `setup()`, so its stub is bundled even when
 * every marker was replaced; a Vue template's use of it is caught as a compiled reference instead.
 */
const STUBS = new Map(
  (['react', 'svelte'] as const).map((framework) => {
    const file = fileURLToPath(new URL(`./${framework}.js`, import.meta.url));
    return [realpathOr(file), framework] as const;
  }),
);
/** The stubs' own modules, whose messages name the tag: never a raw one. */
const STUB_FILES = new Set(['stub', 'vue'].map((name) => realpathOr(fileURLToPath(new URL(`./${name}.js`, import.meta.url)))));
const STUB_SOURCES = { react: '.jsx/.tsx files', svelte: '.svelte components' } as const;

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
      } else if (module.code !== null && /<GenImage[\s/>]/i.test(module.code) && !isStubFile(id)) {
        found.push(`${relative(id)}: a raw <GenImage> tag in the JavaScript of ${output.fileName}`);
      } else if (module.code !== null && compiledReference(id, module.code)) {
        found.push(
          `${relative(id)}: a <GenImage> used as a component, which nothing renders, in ${output.fileName} (only literal <GenImage ... /> tags of a template are replaced, by the genimage plugin listed before the framework's)`,
        );
      }
    }
  }
  return found;
}

/**
 * What a template compiler makes of a `<GenImage>` it did not get replaced: Vue resolves an
 * unimported component by name at runtime (`resolveComponent("GenImage")`, renders an empty
 * `<genimage>`) and renders an imported one (the stub) from setup's bindings (`$setup.GenImage`)
 * or passes it on (`createVNode(GenImage, …)`, `resolveDynamicComponent(GenImage)`); Svelte and
 * other compilers call or pass it by name (`GenImage(node, props)`, `new GenImage(...)`,
 * `jsx(GenImage, props)` from MDX), which throws "GenImage is not defined". Not the getter Vue
 * writes for each binding (`get GenImage() { return GenImage }`), which renders nothing. Script
 * modules are left to the stub check: there `GenImage(` may be a function of the site's own.
 */
function compiledReference(id: string, code: string): boolean {
  if (/\bresolve(?:Dynamic)?Component\$?\d*\(\s*(["'`])GenImage\1/.test(code)) return true;
  if (/\$setup(?:\.GenImage\b|\[\s*(["'])GenImage\1\s*\])/.test(code)) return true;
  const source = id.replace(/[?#].*$/, '');
  return !/\.[cm]?[jt]sx?$/.test(source) && /(?<![\w$.]|\bget )GenImage\(|(?<=[(,]\s*)GenImage(?:\$\d+)?\s*[,)]/.test(code);
}

function isStubFile(id: string): boolean {
  const real = realpathOr(id);
  return STUBS.has(real) || STUB_FILES.has(real);
}

function realpathOr(id: string): string {
  if (id.startsWith('\0')) return id;
  try {
    return realpathSync(id);
  } catch {
    return id;
  }
}
