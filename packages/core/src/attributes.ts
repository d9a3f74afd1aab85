/**
 * The `<GenImage>` marker's attributes, each written once: whether it makes the image (generation)
 * or shows it (rendering), what it accepts and how messages say so, its spelling in each framework
 * and whether a component may give it as an expression. The scan's checks, the renderer, the
 * config's render defaults and the published prop types derive from this table, and
 * test/attributes.test.ts holds each of them to it: adding an attribute is one entry here.
 */
import { z } from 'zod';
import { ASPECT_RATIOS, DEFAULT_MODEL, IMAGE_SIZES, generationParamsSchema } from './params.ts';

/** Formats genimage encodes variants in, best first. */
export const RENDER_FORMATS = ['avif', 'webp', 'jpeg', 'png'] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];

/** What shows while the image loads. */
export const PLACEHOLDER_KINDS = ['blur', 'color', 'none'] as const;
export type PlaceholderKind = (typeof PLACEHOLDER_KINDS)[number];

/**
 * How the image sizes itself in the page, as astro:assets' `layout`: `constrained` shrinks with its
 * container up to its width, `full-width` spans the container, `fixed` keeps its width; `none`
 * adds no sizing of its own (genimage's behaviour before layouts).
 */
export const LAYOUTS = ['constrained', 'full-width', 'fixed', 'none'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** How the image fills a `width` × `height` of another aspect ratio, as sharp's `fit`. */
export const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export type Fit = (typeof FITS)[number];

const EDGES = ['top', 'bottom', 'left', 'right'] as const;
type Edge = (typeof EDGES)[number];
type Vertical = 'top' | 'bottom';
type Horizontal = 'left' | 'right';
/**
 * What a crop keeps, as CSS `object-position` words (astro:assets' `position`): `center`, an edge,
 * two words of different axes in either order (`left top`, `top left`, `center top`), or sharp's
 * strategies `entropy` (most detail) and `attention` (most salient region).
 */
export type Position =
  | 'center'
  | Edge
  | `${Horizontal | 'center'} ${Vertical | 'center'}`
  | `${Vertical | 'center'} ${Horizontal | 'center'}`
  | 'entropy'
  | 'attention';
const AXIS: Record<string, 'x' | 'y' | undefined> = { top: 'y', bottom: 'y', left: 'x', right: 'x' };
export const POSITIONS: readonly Position[] = [
  'center',
  ...EDGES,
  ...[...EDGES, 'center'].flatMap((a) =>
    [...EDGES, 'center'].filter((b) => a !== b && (AXIS[a] === undefined || AXIS[a] !== AXIS[b])).map((b) => `${a} ${b}`),
  ),
  'entropy',
  'attention',
] as Position[];

/** A style as an object, as React takes it and Astro also accepts: `{ borderRadius: 8 }`. */
export type StyleObject = Record<string, string | number>;

/** One row of the table. */
export interface AttributeSpec {
  kind: 'generation' | 'rendering';
  /** Every marker must set it. */
  required?: boolean;
  /** What the value must satisfy; absent for text that is passed through unchecked (class, style, sizes). */
  schema?: z.ZodType;
  /** The words it accepts, when it is one of a few. */
  choices?: readonly string[];
  /** Written as a list, `{[480, 960]}`, or in HTML as `"480, 960"`. */
  list?: boolean;
  /** What it accepts, for messages: "Allowed: ...", "must be ...". */
  allowed: string;
  /** A component may give it as an expression: the `<img>` takes it as it is, it never changes the image. */
  expression?: boolean;
  /** React's name, when it is not the HTML one. Vue and Svelte use the HTML name (Vue binds an expression as `:name`). */
  react?: string;
  /** Type only, never read: the prop's type, when the schema or choices do not say it exactly. */
  type?: unknown;
  /** Type only: the React prop's type, when it is not `type`. */
  reactType?: unknown;
}

/** A type for the `type` fields: the value is never read. */
const typed = <T>(): T => undefined as T;

/** `choices`, the schema that accepts them and the "one of ..." of the messages, from one list. */
function oneOf<const Words extends readonly string[]>(choices: Words) {
  return { choices, schema: z.enum(choices), allowed: `one of ${choices.join(', ')}` };
}

const param = generationParamsSchema.shape;
const positiveInt = z.number().int('must be an integer').min(1, 'must be 1 or more');

/** The JSDoc of each entry is the JSDoc of the prop in `GenImageProps` and `GenImageReactProps`. */
export const ATTRIBUTES = {
  // Generation: they change the pixels (or choose among them), so they must be literals.

  /** What to draw. Part of the cache key. @example "a red fox asleep in fresh snow, watercolor" */
  prompt: { kind: 'generation', required: true, schema: param.prompt, allowed: 'a non-empty string, e.g. prompt="a red fox in the snow"' },
  /** Fixed seeds make generations reproducible; -1 asks for a random one. @default -1 */
  seed: { kind: 'generation', schema: param.seed, allowed: '-1 (random) or a non-negative integer, e.g. seed={42}' },
  /** How many images to generate, 1 to 4 (see `pick`). @default 1 */
  n: { kind: 'generation', schema: param.n, allowed: 'an integer from 1 to 4, e.g. n={2}', type: typed<1 | 2 | 3 | 4>() },
  /** Which of the `n` images to show, 0-based. @default 0 */
  pick: { kind: 'generation', schema: z.number().int().min(0), allowed: 'an integer from 0 to n - 1, e.g. pick={1}' },
  /** @default "1:1" */
  aspectRatio: { kind: 'generation', ...oneOf(ASPECT_RATIOS), schema: param.aspectRatio },
  /** Long edge about 1024, 2048 or 4096 pixels. @default "1K" */
  imageSize: { kind: 'generation', ...oneOf(IMAGE_SIZES), schema: param.imageSize },
  /** @default the config's `model`, or "google/gemini-3.1-flash-image-preview" */
  model: { kind: 'generation', schema: param.model, allowed: `a model id, e.g. model="${DEFAULT_MODEL}"` },
  /** Reference image(s) to edit: a path relative to this file, a root-relative `/path`, or an https URL. */
  reference: {
    kind: 'generation',
    schema: param.reference,
    allowed: 'a local path or an https URL, or a list of them, e.g. reference={["./fox.png"]}',
    type: typed<string | readonly string[]>(),
  },
  /** A preset from the genimage config. */
  preset: { kind: 'generation', schema: z.string().min(1), allowed: 'the name of a preset in the config, e.g. preset="hero"' },

  // Rendering: they only change the markup or the variants, never the original.

  /** Required. Describe the image; `alt=""` marks it decorative. */
  alt: {
    kind: 'rendering',
    required: true,
    expression: true,
    schema: z.string(),
    allowed: 'text: describe the image, or write alt="" for a decorative one',
    type: typed<string>(),
  },
  /** On the `<img>`. */
  class: { kind: 'rendering', expression: true, react: 'className', allowed: 'any text', type: typed<string>() },
  /** On the `<img>`, over the placeholder's background. */
  style: {
    kind: 'rendering',
    expression: true,
    allowed: 'CSS text or a style object',
    type: typed<string | StyleObject>(),
    reactType: typed<StyleObject>(),
  },
  /** The `sizes` attribute. @default "(min-width: <largest>px) <largest>px, 100vw" */
  sizes: { kind: 'rendering', expression: true, allowed: 'any text', type: typed<string>() },
  /** @default "lazy" */
  loading: { kind: 'rendering', expression: true, ...oneOf(['lazy', 'eager']) },
  /** @default "async" */
  decoding: { kind: 'rendering', expression: true, ...oneOf(['async', 'sync', 'auto']) },
  /** The browser's priority for the image; `"high"` for the largest image above the fold. */
  fetchpriority: { kind: 'rendering', expression: true, react: 'fetchPriority', ...oneOf(['high', 'low', 'auto']) },
  /** Widths of the responsive variants. @default the config's render.widths ([480, 960, 1440]) */
  widths: {
    kind: 'rendering',
    list: true,
    schema: z.array(positiveInt).min(1),
    allowed: 'positive integers, e.g. widths={[480, 960]}',
    type: typed<readonly number[] | string>(),
  },
  /** Modern formats offered as `<source>`, best first. @default the config's render.formats (["avif", "webp"]) */
  formats: {
    kind: 'rendering',
    list: true,
    ...oneOf(RENDER_FORMATS),
    schema: z.array(z.enum(RENDER_FORMATS)),
    type: typed<readonly RenderFormat[]>(),
  },
  /** Encoder quality, 1-100. @default the config's render.quality (70) */
  quality: { kind: 'rendering', schema: z.number().int().min(1).max(100), allowed: 'an integer from 1 to 100', type: typed<number>() },
  /** What shows while the image loads. @default "blur" */
  placeholder: { kind: 'rendering', ...oneOf(PLACEHOLDER_KINDS) },
  /**
   * How the image sizes itself, with generated widths, `sizes` and styles (astro:assets' layouts).
   * @default the config's render.layout ("none")
   * @example layout="constrained" width={800}
   */
  layout: { kind: 'rendering', ...oneOf(LAYOUTS) },
  /**
   * The displayed width in CSS pixels (`fixed`, `constrained`, `densities`), and with `height` the
   * box the image is cropped to (see `fit`). @default the original's width, or height × its aspect ratio
   */
  width: { kind: 'rendering', schema: positiveInt, allowed: 'a positive integer, e.g. width={64}', type: typed<number>() },
  /** The displayed height in CSS pixels; with `width`, a crop to that aspect ratio. @default width ÷ the original's aspect ratio */
  height: { kind: 'rendering', schema: positiveInt, allowed: 'a positive integer, e.g. height={64}', type: typed<number>() },
  /**
   * Pixel densities offered as `1x`, `2x` candidates of `width`, for fixed-size images (avatars,
   * logos) with `layout="none"`; instead of `widths`. @example densities={[1, 2]}
   */
  densities: {
    kind: 'rendering',
    list: true,
    schema: z.array(z.number().min(1, 'must be 1 or more').max(4, 'must be 4 or less')).min(1),
    allowed: 'numbers from 1 to 4, e.g. densities={[1, 2]}',
    type: typed<readonly number[] | string>(),
  },
  /** How the image fills a `width` × `height` of another aspect ratio, as sharp's `fit`. @default the config's render.fit ("cover") */
  fit: { kind: 'rendering', ...oneOf(FITS) },
  /** What a `cover` crop keeps, and the `object-position` of a layout. @default the config's render.position ("center") */
  position: {
    kind: 'rendering',
    schema: z.enum(POSITIONS as [Position, ...Position[]]),
    allowed: 'center, top, bottom, left, right, two of them ("left top"), entropy or attention',
    type: typed<Position>(),
  },
} as const satisfies Record<string, AttributeSpec>;

export type AttributeName = keyof typeof ATTRIBUTES;
type Entry<N extends AttributeName> = (typeof ATTRIBUTES)[N];
type NamesWhere<Condition> = { [N in AttributeName]: Entry<N> extends Condition ? N : never }[AttributeName];

export type GenerationAttribute = NamesWhere<{ kind: 'generation' }>;
export type RenderingAttribute = NamesWhere<{ kind: 'rendering' }>;

/** The table, read by name at runtime. */
const SPECS: Readonly<Record<string, AttributeSpec | undefined>> = ATTRIBUTES;

export function attributeSpec(name: string): AttributeSpec | undefined {
  return Object.hasOwn(SPECS, name) ? SPECS[name] : undefined;
}

const NAMES = Object.keys(ATTRIBUTES) as AttributeName[];

/** Attributes that change the pixels (or choose among them); every other attribute is for rendering. */
export const GENERATION_ATTRIBUTES: readonly GenerationAttribute[] = NAMES.filter(
  (name): name is GenerationAttribute => ATTRIBUTES[name].kind === 'generation',
);

/** Whether the attribute's value is a number or a list of numbers, which HTML writes as text (`seed="42"`). */
export function isNumeric(spec: AttributeSpec): boolean {
  return spec.schema !== undefined && scalarType(spec.schema) === 'number';
}

/** The type under `.default()`, `.optional()` and `z.array()`. */
function scalarType(schema: z.core.$ZodType): string {
  const def = schema._zod.def as { type: string; innerType?: z.core.$ZodType; element?: z.core.$ZodType };
  const inner = def.innerType ?? def.element;
  return inner === undefined ? def.type : scalarType(inner);
}

// --- Passed through to the <img> ---

/**
 * HTML attributes a marker may carry for its `<img>`: the renderer writes them on it as given and
 * they never change the image, so they may be expressions too. By HTML name, with React's name.
 * Anything else that is neither in `ATTRIBUTES` nor here is an error at the scan: a typo
 * (`seeed={7}`) would otherwise cost a random image.
 */
export const PASSTHROUGH_ATTRIBUTES = {
  id: 'id',
  title: 'title',
  lang: 'lang',
  dir: 'dir',
  role: 'role',
  hidden: 'hidden',
  translate: 'translate',
  tabindex: 'tabIndex',
  draggable: 'draggable',
  crossorigin: 'crossOrigin',
  referrerpolicy: 'referrerPolicy',
  itemprop: 'itemProp',
  usemap: 'useMap',
  elementtiming: 'elementTiming',
} as const;

/** Prefixes of passed-through attribute families: `data-testid`, `aria-describedby`. */
export const PASSTHROUGH_PREFIXES = ['data-', 'aria-'] as const;

/**
 * The HTML name under which an attribute is passed through to the `<img>` (`tabIndex` is
 * `tabindex`), or undefined when it is not one. Compared lowercased: HTML names ignore case.
 */
export function passthroughName(written: string): string | undefined {
  const name = written.toLowerCase();
  if (Object.hasOwn(PASSTHROUGH_ATTRIBUTES, name)) return name;
  return PASSTHROUGH_PREFIXES.some((prefix) => name.startsWith(prefix) && name.length > prefix.length) ? name : undefined;
}

// --- Spellings ---

export type Framework = 'html' | 'react' | 'vue' | 'svelte';

/** The attribute's name as `framework` writes it: React's own names, the HTML name elsewhere. */
export function spellingOf(framework: Framework, name: AttributeName): string {
  return (framework === 'react' && SPECS[name]?.react) || name;
}

/**
 * The table's name of an attribute written in `framework` (`className` in React is `class`; HTML
 * reads names whatever their case, so `aspectratio` there is `aspectRatio`); other names unchanged.
 */
export function attributeNameOf(framework: Framework, written: string): string {
  if (framework === 'html') return NAMES.find((name) => name.toLowerCase() === written.toLowerCase()) ?? written;
  if (framework !== 'react') return written;
  return NAMES.find((name) => SPECS[name]?.react === written) ?? written;
}

/**
 * The prop that a rendering attribute written as an expression becomes on the rendered `<img>`,
 * in `framework`'s spelling, or undefined when it may not be an expression (a generation
 * attribute must be literal, and widths, formats, quality and placeholder are read at build
 * time). `written` is the name as the component has it: in React either spelling (`className`
 * or `class`), in Vue with or without its binding (`:class`, `v-bind:class`, `class`).
 *
 * @example
 * expressionProp('react', 'class')  // "className"
 * expressionProp('vue', ':fetchpriority') // "fetchpriority"
 * expressionProp('react', 'widths') // undefined
 */
export function expressionProp(framework: Exclude<Framework, 'html'>, written: string): string | undefined {
  const unbound = framework === 'vue' ? written.replace(/^(?::|v-bind:)/, '') : written;
  const name = attributeNameOf(framework, unbound);
  const spec = attributeSpec(name);
  if (spec?.expression) return spellingOf(framework, name as AttributeName);
  // Passed through as written: React's `tabIndex`, `data-id`.
  return spec === undefined && passthroughName(unbound) !== undefined ? unbound : undefined;
}

/** The props `framework` may give as expressions, in table order: for messages. */
export function expressionProps(framework: Exclude<Framework, 'html'>): string[] {
  return NAMES.filter((name) => SPECS[name]?.expression).map((name) => spellingOf(framework, name));
}

// --- Prop types ---

/** An attribute's value type: its `type`, else one of its choices, else what its schema takes. */
export type AttributeValue<N extends AttributeName> =
  Entry<N> extends { type: infer T }
    ? T
    : Entry<N> extends { choices: readonly (infer W)[] }
      ? W
      : Entry<N> extends { schema: infer S extends z.ZodType }
        ? Exclude<z.input<S>, undefined>
        : never;
type ReactValue<N extends AttributeName> = Entry<N> extends { reactType: infer T } ? T : AttributeValue<N>;
type ReactName<N extends AttributeName> = Entry<N> extends { react: string } ? Entry<N>['react'] : N;

type RequiredName = NamesWhere<{ required: true }>;
type Renamed = NamesWhere<{ react: string }>;
type PropValue<F extends 'html' | 'react', N extends AttributeName> = F extends 'react' ? ReactValue<N> : AttributeValue<N>;

/**
 * The props named `Names`, required or optional as the table says. Only filtered (`as N extends
 * ... ? N : never`), never renamed: a mapped type that keeps the keys keeps the table's JSDoc too.
 */
type PropsOf<F extends 'html' | 'react', Names extends AttributeName> = {
  [N in keyof typeof ATTRIBUTES as N extends Names & RequiredName ? N : never]: PropValue<F, N>;
} & { [N in keyof typeof ATTRIBUTES as N extends Exclude<Names, RequiredName> ? N : never]?: PropValue<F, N> };

/**
 * Props of `<GenImage>` in HTML's and Astro's spelling. Generation attributes must be literals in
 * the source: genimage reads them at build time, before any code runs; some rendering attributes
 * (alt, class, style, sizes, loading, decoding, fetchpriority) may be expressions.
 */
export type GenImageProps = PropsOf<'html', AttributeName> & PassthroughProps<'html'>;

/**
 * Props of `<GenImage>` in React's spelling: `className`, `fetchPriority`, `style` as an object.
 * The renamed ones lose their JSDoc (TypeScript links docs only through kept keys).
 */
export type GenImageReactProps = PropsOf<'react', Exclude<AttributeName, Renamed>> & {
  [N in Renamed as N extends RequiredName ? ReactName<N> : never]: ReactValue<N>;
} & { [N in Renamed as N extends RequiredName ? never : ReactName<N>]?: ReactValue<N> } & PassthroughProps<'react'>;

type Passthrough = typeof PASSTHROUGH_ATTRIBUTES;
/** A passed-through attribute's value: written on the `<img>` as text (`true` bare, `false` left out). */
type PassthroughValue = string | number | boolean;

/** The `<img>`'s own attributes a marker may carry (`PASSTHROUGH_ATTRIBUTES`), in `F`'s spelling. */
export type PassthroughProps<F extends 'html' | 'react'> = {
  [N in keyof Passthrough as F extends 'react' ? Passthrough[N] : N]?: PassthroughValue;
} & { [N in `${(typeof PASSTHROUGH_PREFIXES)[number]}${string}`]?: PassthroughValue };
