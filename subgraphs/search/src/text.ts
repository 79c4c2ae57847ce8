/** Turning free text into the words the index and the lexicon know. */

/** Lower-case words of letters and digits, accents removed: "Noise-Cancelling" → noise, cancelling. */
export function wordsOf(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** The distinct words of the parts a document is found by in the lexicon (not its description). */
export function documentWords(parts: readonly (string | null)[]): string[] {
  const words = new Set<string>();
  for (const part of parts) if (part) for (const word of wordsOf(part)) words.add(word);
  return [...words].sort();
}

/** A to_tsquery expression that requires every word; `prefixLast` matches the last as a prefix. */
export function allWordsQuery(words: readonly string[], prefixLast = false): string {
  return words
    .map((word, index) => (prefixLast && index === words.length - 1 ? `${word}:*` : word))
    .join(' & ');
}

/** Every word as a prefix: "headph" finds headphones. */
export function prefixQuery(words: readonly string[]): string {
  return words.map((word) => `${word}:*`).join(' & ');
}
