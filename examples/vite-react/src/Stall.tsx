import type { ReactNode } from 'react';

export function Stall({ name, children }: { name: string; children: ReactNode }) {
  return (
    <article>
      <h2>{name}</h2>
      {children}
    </article>
  );
}
