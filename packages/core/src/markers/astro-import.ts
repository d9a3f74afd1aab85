/**
 * In an `.astro` file, `<GenImage>` is a component: without an import in the frontmatter Astro
 * fails the page with "GenImage is not defined", after the build has paid for its image. Such
 * markers are refused at their place when the sources are scanned, before anything is generated.
 * Pure: text and markers in, the markers kept and the errors out.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics.ts';
import { MissingImport } from '../errors.ts';
import type { Marker } from './markers.ts';

const ASTRO_FILE = /\.astro$/i;

/** The frontmatter: what lies between the first two `---` lines, when the file starts with one. */
const FRONTMATTER = /^\s*---[^\S\r\n]*\r?\n([\s\S]*?)(?:^|\r?\n)---/;

/** `import ... from '...'` (or `"..."`), capturing what it binds; `import type` binds no component. */
const IMPORT = /\bimport\s+(?!type\s)([\w$\s{},*]+?)\s*from\s*['"][^'"\n]*['"]/g;

/** Comments, so that a commented-out import does not count (`//` only after a line start or a space, never in a URL). */
const COMMENTS = /\/\*[\s\S]*?\*\/|(^|\s)\/\/[^\n]*/g;

/**
 * The markers of `source` Astro can render, and an error at each one it cannot because
 * `GenImage` is not imported. Any file but `.astro` is returned as it is.
 */
export function refuseUnimported(source: string, file: string, markers: Marker[]): { markers: Marker[]; diagnostics: Diagnostic[] } {
  if (markers.length === 0 || !ASTRO_FILE.test(file) || importsGenImage(source)) return { markers, diagnostics: [] };
  const diagnostics = markers.map((marker) =>
    createDiagnostic(
      MissingImport,
      'error',
      `<GenImage> is used in ${file} but its frontmatter does not import it: Astro would fail the page with "GenImage is not defined", so nothing is generated for it.`,
      marker.location,
      {
        hint: `Import the component between the --- lines at the top of the file:\n---\nimport { GenImage } from '@genimage/astro/components';\n---`,
      },
    ),
  );
  return { markers: [], diagnostics };
}

/** Whether the frontmatter imports a value named `GenImage`: default, named or renamed (`X as GenImage`); `type GenImage` is no value. */
export function importsGenImage(source: string): boolean {
  const frontmatter = FRONTMATTER.exec(source)?.[1];
  if (frontmatter === undefined) return false;
  const code = frontmatter.replace(COMMENTS, '$1');
  for (const [, clause = ''] of code.matchAll(IMPORT)) {
    const bindings = clause
      .replace(/[{}]/g, ',')
      .split(',')
      .map((part) =>
        part
          .trim()
          .split(/\s+as\s+/)
          .at(-1),
      );
    if (bindings.includes('GenImage')) return true;
  }
  return false;
}
