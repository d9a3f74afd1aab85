/**
 * Turns a parsed marker into a generation request: splits generation attributes from rendering
 * ones, applies precedence (marker attribute > preset > config defaults) and validates with the
 * one schema, `generationParamsSchema`, phrasing each problem per attribute. Pure.
 */
import { DynamicAttribute, InvalidAttribute, formatLocation, type SourceLocation } from '../errors.ts';
import { ATTRIBUTES, GENERATION_ATTRIBUTES, attributeNameOf, isNumeric, type GenerationAttribute } from '../attributes.ts';
import { createDiagnostic, type Diagnostic } from '../diagnostics.ts';
import { generationParamsSchema, type GenerationParams, type GenerationParamsInput } from '../params.ts';
import { isDynamic, type LiteralValue, type Marker, type MarkerAttribute } from './markers.ts';
import { renderValueProblem } from './render-values.ts';
import { unknownAttributeError } from './unknown-attributes.ts';

/**
 * A named bundle a marker chooses with `preset="name"`. Structurally the config's `Preset`.
 * @example { prompt: 'watercolor, soft light', aspectRatio: '16:9' }
 */
export type MarkerPreset = Partial<Pick<GenerationParamsInput, 'model' | 'seed' | 'n' | 'imageSize' | 'aspectRatio'>> & {
  /** Appended to the marker's prompt with ", ". */
  prompt?: string;
  reference?: string | string[];
};

export interface MarkerContext {
  /** Parameters for markers that do not set them (config `defaults`). */
  defaults?: Partial<GenerationParamsInput>;
  /** Config `presets`, by name. */
  presets?: Record<string, MarkerPreset>;
}

/** What a marker asks for. */
export interface MarkerRequest {
  /** Validated: what `generationParamsSchema` parses them to, defaults filled in. */
  params: GenerationParams;
  /** Which of the `n` images the marker shows, 0-based. @default 0 */
  pick: number;
  /** The preset's name, when the marker chose one. */
  preset?: string;
  /**
   * Rendering attributes with literal values (alt, widths, sizes, class, loading, ...). Dynamic
   * ones are left out: the renderer evaluates them itself at runtime.
   */
  render: Record<string, LiteralValue>;
  location: SourceLocation;
  file: string;
}

export interface MarkerInterpretation {
  /** Absent when a diagnostic is an error. */
  request?: MarkerRequest;
  diagnostics: Diagnostic[];
}

const JSX_FILE = /\.(jsx|tsx)$/i;

export function interpretMarker(marker: Marker, context: MarkerContext = {}): MarkerInterpretation {
  const diagnostics: Diagnostic[] = [];
  const given = new Map<GenerationAttribute, MarkerAttribute>();
  const dynamic = new Set<GenerationAttribute>();
  const render: Record<string, LiteralValue> = {};

  const jsx = JSX_FILE.test(marker.file);
  for (const attribute of marker.attributes) {
    const { value } = attribute;
    // React spells some rendering attributes otherwise (className); they mean the same, and are checked the same.
    const name = jsx ? attributeNameOf('react', attribute.name) : attribute.name;
    if (name === '...') {
      diagnostics.push(
        createDiagnostic(
          DynamicAttribute,
          'warning',
          `{${isDynamic(value) ? value.expression : '...'}} at ${formatLocation(attribute.location)} is a spread: genimage cannot see what it sets, so generation attributes inside it are ignored.`,
          attribute.location,
          { attribute: name, hint: 'Write prompt, seed and the other generation attributes on the marker itself.' },
        ),
      );
    } else if (isGenerationAttribute(name)) {
      if (isDynamic(value)) {
        dynamic.add(name);
        diagnostics.push(dynamicAttributeError(attribute, name));
      } else if (!given.has(name)) {
        given.set(name, attribute);
      }
    } else {
      const unknown = unknownAttributeError(attribute, name, jsx ? 'react' : 'html');
      if (unknown !== undefined) {
        diagnostics.push(unknown);
        continue;
      }
      if (isDynamic(value)) continue;
      render[name] = value;
      // Checked now, with the renderer's words: a marker the build would refuse costs nothing.
      const problem = renderValueProblem(name, value);
      if (problem !== undefined)
        diagnostics.push(createDiagnostic(InvalidAttribute, 'error', problem, attribute.location, { attribute: name }));
    }
  }

  if (isFromData(marker, given, dynamic)) {
    // `<GenImage {...post.data.hero} />`: the image is declared where the data is (frontmatter,
    // `frontmatter-markers.ts`) and listed there; this tag asks for nothing of its own, and a build
    // renders it only when the key its props make was listed.
    return { diagnostics: diagnostics.filter((diagnostic) => diagnostic.attribute !== '...') };
  }
  const preset = resolvePreset(given.get('preset'), context.presets, diagnostics);
  const { input, origins } = mergeParams(marker, given, preset, context.defaults ?? {}, diagnostics);

  if (input.prompt === undefined && !dynamic.has('prompt')) {
    diagnostics.push(
      createDiagnostic(
        InvalidAttribute,
        'error',
        `This <GenImage> marker has no prompt, so there is nothing to generate.`,
        marker.location,
        {
          attribute: 'prompt',
          hint: 'Add one, e.g. prompt="a red fox in the snow".',
        },
      ),
    );
  }

  const parsed = generationParamsSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (field === 'prompt' && input.prompt === undefined) continue; // reported above
      diagnostics.push(issueDiagnostic(issue, typeof field === 'string' ? field : undefined, input, origins, marker));
    }
  }

  const n = parsed.success ? parsed.data.n : undefined;
  const pick = resolvePick(given.get('pick'), n, diagnostics);

  if (diagnostics.some((diagnostic) => diagnostic.severity === 'error') || !parsed.success || pick === undefined) {
    return { diagnostics };
  }
  const request: MarkerRequest = { params: parsed.data, pick, render, location: marker.location, file: marker.file };
  if (preset !== undefined) request.preset = preset.name;
  return { request, diagnostics };
}

/**
 * A marker whose prompt can only come from a spread (`{...hero}`): its image is declared
 * elsewhere. Without a spread, a marker with no prompt is an error.
 */
function isFromData(marker: Marker, given: ReadonlyMap<string, unknown>, dynamic: ReadonlySet<string>): boolean {
  return !given.has('prompt') && !dynamic.has('prompt') && marker.attributes.some((attribute) => attribute.name === '...');
}

// --- Internals ---

function isGenerationAttribute(name: string): name is GenerationAttribute {
  return (GENERATION_ATTRIBUTES as readonly string[]).includes(name);
}

function show(name: string, value: unknown): string {
  if (typeof value === 'string') return `${name}=${JSON.stringify(value)}`;
  return `${name}={${JSON.stringify(value) ?? String(value)}}`;
}

/** A generation attribute written as an expression: its value, and so the image, cannot be known at build time. */
export function dynamicAttributeError(attribute: MarkerAttribute, name: GenerationAttribute): Diagnostic {
  const expression = isDynamic(attribute.value) ? attribute.value.expression : '';
  return createDiagnostic(
    DynamicAttribute,
    'error',
    `${name}={${expression}} is an expression, whose value genimage cannot know ` +
      `when it scans the sources. ${name} must be written literally, as ${ATTRIBUTES[name].allowed}.`,
    attribute.location,
    { attribute: name },
  );
}

function invalid(attribute: MarkerAttribute | undefined, location: SourceLocation, name: string, message: string): Diagnostic {
  return createDiagnostic(InvalidAttribute, 'error', message, attribute?.location ?? location, { attribute: name });
}

/** `"42"` reads as 42 for numeric attributes, so plain HTML (`seed="42"`) works. */
function markerValue(name: GenerationAttribute, value: LiteralValue): unknown {
  if (isNumeric(ATTRIBUTES[name]) && typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  if (name === 'reference' && typeof value === 'string') return [value];
  return value;
}

interface ResolvedPreset {
  name: string;
  preset: MarkerPreset;
  attribute: MarkerAttribute;
}

function resolvePreset(
  attribute: MarkerAttribute | undefined,
  presets: Record<string, MarkerPreset> | undefined,
  diagnostics: Diagnostic[],
): ResolvedPreset | undefined {
  if (attribute === undefined) return undefined;
  const name = attribute.value;
  const known = Object.keys(presets ?? {});
  const choices = known.length === 0 ? 'no presets are configured' : `configured presets: ${known.join(', ')}`;
  if (typeof name !== 'string') {
    diagnostics.push(invalid(attribute, attribute.location, 'preset', `${show('preset', name)} is not a preset name (${choices}).`));
    return undefined;
  }
  // Own keys only: preset="constructor" is no preset.
  const preset = presets !== undefined && Object.hasOwn(presets, name) ? presets[name] : undefined;
  if (preset === undefined) {
    diagnostics.push(invalid(attribute, attribute.location, 'preset', `${show('preset', name)} is not a configured preset (${choices}).`));
    return undefined;
  }
  return { name, preset, attribute };
}

type Origin = { from: 'marker'; attribute: MarkerAttribute } | { from: 'preset'; preset: ResolvedPreset } | { from: 'defaults' };

type ParamField = Exclude<keyof typeof generationParamsSchema.shape, 'prompt'>;
/** What a preset may set: the request's parameters but the prompt, which a preset appends to. */
const PARAM_FIELDS = Object.keys(generationParamsSchema.shape).filter((field): field is ParamField => field !== 'prompt');

function mergeParams(
  marker: Marker,
  given: Map<GenerationAttribute, MarkerAttribute>,
  preset: ResolvedPreset | undefined,
  defaults: Partial<GenerationParamsInput>,
  diagnostics: Diagnostic[],
): { input: Record<string, unknown>; origins: Map<string, Origin> } {
  const input: Record<string, unknown> = {};
  const origins = new Map<string, Origin>();
  for (const [field, value] of Object.entries(defaults)) {
    if (value === undefined) continue;
    input[field] = value;
    origins.set(field, { from: 'defaults' });
  }
  for (const field of PARAM_FIELDS) {
    const value = preset?.preset[field];
    if (value === undefined || preset === undefined) continue;
    input[field] = field === 'reference' && typeof value === 'string' ? [value] : value;
    origins.set(field, { from: 'preset', preset });
  }
  for (const field of [...PARAM_FIELDS, 'prompt'] as const) {
    const attribute = given.get(field);
    if (attribute === undefined) continue;
    input[field] = markerValue(field, attribute.value as LiteralValue);
    origins.set(field, { from: 'marker', attribute });
  }
  // The preset's prompt is a suffix: "a red fox" + "watercolor" -> "a red fox, watercolor".
  const suffix = preset?.preset.prompt?.trim();
  if (suffix && typeof input.prompt === 'string' && input.prompt.trim() !== '') {
    input.prompt = `${input.prompt.trim()}, ${suffix}`;
  }
  if (input.reference !== undefined && !Array.isArray(input.reference)) {
    const origin = origins.get('reference');
    const attribute = origin?.from === 'marker' ? origin.attribute : undefined;
    diagnostics.push(
      invalid(
        attribute,
        marker.location,
        'reference',
        `${show('reference', input.reference)} is not a path or a list of paths. Allowed: ${ATTRIBUTES.reference.allowed}.`,
      ),
    );
    delete input.reference;
  }
  return { input, origins };
}

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: unknown;
  keys?: string[];
}

function issueDiagnostic(
  issue: ZodIssueLike,
  field: string | undefined,
  input: Record<string, unknown>,
  origins: Map<string, Origin>,
  marker: Marker,
): Diagnostic {
  if (field === undefined || !isGenerationAttribute(field)) {
    const keys = issue.keys?.join(', ') ?? field ?? '';
    return invalid(undefined, marker.location, keys, `The generation defaults are invalid (${keys}: ${issue.message}).`);
  }
  const origin = origins.get(field);
  const value = issue.path.length > 1 && Array.isArray(input[field]) ? (input[field] as unknown[])[Number(issue.path[1])] : input[field];
  const subject =
    origin?.from === 'preset'
      ? `${show(field, value)} from preset "${origin.preset.name}"`
      : origin?.from === 'defaults'
        ? `The default ${show(field, value)}`
        : issue.path.length > 1
          ? `${show(field, input[field])} has an element ${JSON.stringify(value) ?? String(value)} that`
          : show(field, value);
  let reason: string;
  if (issue.code === 'invalid_type') reason = `is not ${describeType(issue.expected)}`;
  else if (issue.code === 'invalid_value') reason = `is not supported`;
  else reason = `is invalid (${issue.message})`;
  const attribute = origin?.from === 'marker' ? origin.attribute : origin?.from === 'preset' ? origin.preset.attribute : undefined;
  return invalid(attribute, marker.location, field, `${subject} ${reason}. Allowed: ${ATTRIBUTES[field].allowed}.`);
}

function describeType(expected: unknown): string {
  if (expected === 'number') return 'a number';
  if (expected === 'int') return 'an integer';
  if (expected === 'string') return 'a string';
  if (expected === 'array') return 'a list';
  return `a ${String(expected)}`;
}

function resolvePick(attribute: MarkerAttribute | undefined, n: number | undefined, diagnostics: Diagnostic[]): number | undefined {
  if (attribute === undefined) return 0;
  const value = markerValue('pick', attribute.value as LiteralValue);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    diagnostics.push(
      invalid(
        attribute,
        attribute.location,
        'pick',
        `${show('pick', attribute.value)} is not a non-negative integer. Allowed: ${ATTRIBUTES.pick.allowed}.`,
      ),
    );
    return undefined;
  }
  if (n !== undefined && value >= n) {
    diagnostics.push(
      invalid(
        attribute,
        attribute.location,
        'pick',
        `${show('pick', attribute.value)} is out of range: n is ${n}, so the images are numbered 0 to ${n - 1}. Allowed: an integer from 0 to ${n - 1}, or a larger n.`,
      ),
    );
    return undefined;
  }
  return value;
}
