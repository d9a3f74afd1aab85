/**
 * A photo-like test image, synthesized: a landscape with a sky gradient and soft clouds, hills on
 * a noisy horizon, textured ground (fractal noise down to 2 px), thousands of grass blades and a
 * few rocks (fine, hard edges), textured trees and a sun, then a slight lens blur and light
 * sensor grain. Encoders spend their
 * effort on exactly this mix of smooth areas, edges and fine texture; a flat placeholder would
 * flatter every one of them.
 *
 * Deterministic: the same arguments give the same pixels (seeded noise, no sharp randomness).
 */
import sharp from './sharp.ts';
import { random } from './stats.ts';

/** Value noise: random values on a grid of `cell`-pixel squares, smoothly interpolated; in [0, 1). */
function valueNoise(width: number, height: number, cell: number, next: () => number): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = Float32Array.from({ length: gw * gh }, next);
  const out = new Float32Array(width * height);
  const smooth = (t: number) => t * t * (3 - 2 * t);
  for (let y = 0; y < height; y++) {
    const gy = Math.floor(y / cell);
    const ty = smooth(y / cell - gy);
    for (let x = 0; x < width; x++) {
      const gx = Math.floor(x / cell);
      const tx = smooth(x / cell - gx);
      const i = gy * gw + gx;
      const top = (grid[i] ?? 0) * (1 - tx) + (grid[i + 1] ?? 0) * tx;
      const bottom = (grid[i + gw] ?? 0) * (1 - tx) + (grid[i + gw + 1] ?? 0) * tx;
      out[y * width + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** Fractal noise: octaves of value noise from `largest` down to `smallest` cells, each half as strong; in about [0, 1). */
function fractalNoise(width: number, height: number, largest: number, smallest: number, next: () => number): Float32Array {
  const out = new Float32Array(width * height);
  let amplitude = 1;
  let total = 0;
  for (let cell = largest; cell >= smallest; cell /= 2) {
    const octave = valueNoise(width, height, cell, next);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) + (octave[i] ?? 0) * amplitude;
    total += amplitude;
    amplitude /= 2;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / total;
  return out;
}

const mix = (a: number, b: number, t: number) => a + (b - a) * t;
/**
 * The scene is drawn for 1024 px wide: a narrower photo gets fewer, smaller blades, rocks and trees,
 * so that it looks like the same kind of landscape, only smaller (and costs less to draw).
 */
const sceneScale = (width: number) => width / 1024;
const clamp = (v: number) => Math.min(Math.max(v, 0), 255);

/** Grass blades, longer and thicker towards the viewer, and a few shaded rocks: hard, fine edges. */
function meadow(width: number, height: number, horizon: (x: number) => number, next: () => number): string {
  const parts: string[] = [];
  const scale = sceneScale(width);
  for (let i = 0; i < Math.round(8000 * scale * scale); i++) {
    const x = next() * width;
    const top = horizon(Math.round(x));
    const y = top + next() ** 0.6 * (height - top);
    const depth = (y - top) / (height - top);
    const length = (4 + depth * 40 * (0.5 + next())) * scale;
    const lean = (next() - 0.5) * length * 0.6;
    const shade = Math.round(60 + next() * 120);
    const color = `rgb(${Math.round(shade * (0.6 + next() * 0.5))},${shade + 20},${Math.round(shade * 0.4)})`;
    parts.push(
      `<path d="M${x.toFixed(1)} ${y.toFixed(1)} q${(lean / 2).toFixed(1)} ${(-length / 2).toFixed(1)} ${lean.toFixed(1)} ${(-length).toFixed(1)}" ` +
        `stroke="${color}" stroke-width="${((0.6 + depth * 2.2) * scale).toFixed(1)}" fill="none" stroke-linecap="round"/>`,
    );
  }
  for (let i = 0; i < 14; i++) {
    const cx = next() * width;
    const top = horizon(Math.round(cx));
    const cy = top + (0.3 + next() * 0.7) * (height - top);
    const radius = (6 + ((cy - top) / (height - top)) * 40 * (0.5 + next())) * scale;
    const points = Array.from({ length: 7 }, (_, k) => {
      const angle = (k / 7) * Math.PI * 2;
      const r = radius * (0.7 + next() * 0.4);
      return `${(cx + Math.cos(angle) * r * 1.4).toFixed(1)},${(cy + Math.sin(angle) * r * 0.6).toFixed(1)}`;
    });
    parts.push(`<polygon points="${points.join(' ')}" fill="url(#rock)" stroke="rgb(50,45,40)" stroke-width="1"/>`);
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><linearGradient id="rock" x1="0" y1="0" x2="0.3" y2="1"><stop offset="0" stop-color="rgb(175,170,160)"/><stop offset="1" stop-color="rgb(85,80,72)"/></linearGradient></defs>` +
    `${parts.join('')}</svg>`
  );
}

function trees(width: number, height: number, horizon: (x: number) => number, next: () => number): string {
  const shapes: string[] = [];
  const scale = sceneScale(width);
  for (let i = 0; i < 9; i++) {
    const x = Math.round(next() * width);
    const base = horizon(x) + (10 + next() * 40) * scale;
    const h = (60 + next() * 110) * scale;
    const w = h * (0.35 + next() * 0.2);
    const green = `rgb(${Math.round(20 + next() * 30)},${Math.round(50 + next() * 40)},${Math.round(20 + next() * 25)})`;
    shapes.push(
      `<rect x="${x - 3 * scale}" y="${base - h * 0.3}" width="${7 * scale}" height="${h * 0.3}" fill="rgb(60,42,30)"/>`,
      `<ellipse cx="${x}" cy="${base - h * 0.6}" rx="${w / 2}" ry="${h / 2}" fill="${green}"/>`,
      `<ellipse cx="${x - w * 0.15}" cy="${base - h * 0.7}" rx="${w / 4}" ry="${h / 4}" fill="rgb(90,120,60)" opacity="0.5"/>`,
    );
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><radialGradient id="sun"><stop offset="0" stop-color="rgb(255,250,225)"/><stop offset="0.25" stop-color="rgb(255,235,180)" stop-opacity="0.9"/><stop offset="1" stop-color="rgb(255,220,160)" stop-opacity="0"/></radialGradient></defs>` +
    `<circle cx="${width * 0.78}" cy="${height * 0.2}" r="${height * 0.22}" fill="url(#sun)"/>` +
    `${shapes.join('')}</svg>`
  );
}

/** A `width`x`height` photo-like PNG (sharp's default compression, as a provider would return it). */
export async function photoLikePng(width = 1024, height = 576, seed = 7): Promise<Buffer> {
  const next = random(seed);
  const clouds = fractalNoise(width, height, 256, 8, next);
  const hills = fractalNoise(width, 1, 256, 4, next);
  const terrain = fractalNoise(width, height, 128, 16, next);
  const texture = fractalNoise(width, height, 16, 2, next);
  const horizon = (x: number) => height * 0.48 + ((hills[Math.min(width - 1, Math.max(0, x))] ?? 0.5) - 0.5) * height * 0.35;

  const pixels = new Uint8ClampedArray(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const edge = horizon(x);
      let r: number;
      let g: number;
      let b: number;
      if (y < edge) {
        // Sky: deep blue above, pale near the horizon, soft clouds.
        const t = y / edge;
        r = mix(55, 205, t);
        g = mix(100, 215, t);
        b = mix(175, 225, t);
        const cloud = Math.max(0, ((clouds[i] ?? 0) - 0.5) * 3.2);
        r = mix(r, 245, Math.min(1, cloud));
        g = mix(g, 243, Math.min(1, cloud));
        b = mix(b, 240, Math.min(1, cloud));
      } else {
        // Ground: grass and earth by low-frequency noise, fine texture, darker towards the viewer.
        const t = (y - edge) / (height - edge);
        const earth = terrain[i] ?? 0.5;
        const fine = ((texture[i] ?? 0.5) - 0.5) * mix(50, 110, t);
        const shade = mix(1, 0.7, t);
        r = (mix(95, 140, earth) + fine) * shade;
        g = (mix(130, 110, earth) + fine) * shade;
        b = (mix(55, 70, earth) + fine * 0.6) * shade;
      }
      pixels[i * 3] = r;
      pixels[i * 3 + 1] = g;
      pixels[i * 3 + 2] = b;
    }
  }

  const composed = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(meadow(width, height, horizon, next)) }, { input: Buffer.from(trees(width, height, horizon, next)) }])
    .removeAlpha()
    .blur(0.6)
    .raw()
    .toBuffer();

  // Foliage texture over everything green (the trees were flat shapes), then light sensor
  // grain: gaussian noise (Box-Muller), a little stronger in the shadows.
  const foliage = fractalNoise(width, height, 8, 2, next);
  const grainy = new Uint8ClampedArray(composed.length);
  for (let p = 0; p < width * height; p++) {
    const g = composed[p * 3 + 1] ?? 0;
    const green = g - (composed[p * 3 + 2] ?? 0) > 20 && g < 200 ? 1 : 0;
    const modulation = 1 + ((foliage[p] ?? 0.5) - 0.5) * 0.5 * green;
    for (let c = 0; c < 3; c++) {
      const v = (composed[p * 3 + c] ?? 0) * modulation;
      const gauss = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      grainy[p * 3 + c] = clamp(v + gauss * mix(2.5, 1.25, v / 255));
    }
  }
  return sharp(grainy, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}
