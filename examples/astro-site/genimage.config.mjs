// Shared by `astro build` (through @genimage/astro) and the genimage CLI.
/** @type {import('@genimage/astro').GenImageConfig} */
export default {
  // With no key, offline placeholders: the site builds anywhere, for free.
  provider: process.env.SHARK_API_KEY ? 'shark' : 'local',
  defaults: { aspectRatio: '16:9' },
  presets: {
    // <GenImage preset="watercolor" prompt="..." />: the suffix is appended to the prompt.
    watercolor: { prompt: 'loose watercolor illustration, muted earthy palette, paper texture', aspectRatio: '4:3' },
  },
  render: { widths: [480, 960, 1440], formats: ['avif', 'webp'], fallbackFormat: 'jpeg', quality: 70, avifEffort: 2 },
};
