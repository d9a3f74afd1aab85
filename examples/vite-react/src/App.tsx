import { GenImage } from '@genimage/vite/react';
import { Stall } from './Stall.tsx';
import styles from './App.module.css';

export function App() {
  return (
    <main className={styles.page}>
      <h1>The night market</h1>
      <GenImage
        prompt="a busy night market with paper lanterns and food stalls, rain on the street, photograph"
        seed={31}
        aspectRatio="21:9"
        loading="eager"
        fetchPriority="high"
        className={styles.hero}
        alt="A night market under paper lanterns"
      />
      <section className={styles.stalls}>
        <Stall name="Dumplings">
          <GenImage
            prompt="steaming dumplings in a bamboo basket, close-up photograph"
            seed={32}
            aspectRatio="4:3"
            sizes="(min-width: 48rem) 24rem, 100vw"
            alt="Dumplings in a bamboo basket"
          />
        </Stall>
        <Stall name="Tea">
          <GenImage
            prompt="a glass of iced milk tea with tapioca pearls, close-up photograph"
            seed={33}
            aspectRatio="4:3"
            sizes="(min-width: 48rem) 24rem, 100vw"
            alt="Iced milk tea"
          />
        </Stall>
      </section>
    </main>
  );
}
