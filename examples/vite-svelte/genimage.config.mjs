// Read by `vite build` (through @genimage/vite) and by the genimage CLI.
/** @type {import('@genimage/vite').GenImageConfig} */
export default {
  // With no key, offline placeholders: the site builds anywhere, for free.
  provider: process.env.SHARK_API_KEY ? 'shark' : 'local',
  render: { widths: [480, 960], formats: ['avif', 'webp'], fallbackFormat: 'jpeg', quality: 70, avifEffort: 2 },
};
