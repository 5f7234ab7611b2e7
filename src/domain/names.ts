// Whether a text names something (a client, a site) as a word of its own: the one matching rule
// behind every check that an EXTERNAL text names no other client. And names as tags. Pure (config.ts
// loads it, before tracing starts: see main.ts).

/** Whether `word` occurs in `text` on its own (not inside a longer word or id). */
export function namesWord(text: string, word: string): boolean {
  let at = text.indexOf(word);
  while (at >= 0) {
    const before = at === 0 ? '' : text[at - 1];
    const after = text[at + word.length] ?? '';
    if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) return true;
    at = text.indexOf(word, at + 1);
  }
  return false;
}

/** A name as a support desk tag: lowercase, every run of other characters one underscore. */
export function tagValue(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
