// Server rendering / static prerendering: `vite build --ssr src/entry-server.tsx` gives the same markup.
import { renderToString } from 'react-dom/server';
import { App } from './App.tsx';

export function render(): string {
  return renderToString(<App />);
}
