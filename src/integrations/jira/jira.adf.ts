// Markdown to Atlassian Document Format (what Jira's v3 rich-text fields hold), with marklassian,
// a kept converter (GFM headings, lists, tables, links, code). It is an ES module; Node 24 loads it
// through require (TypeScript's `module: node20` compiles this import to one).
import { markdownToAdf } from 'marklassian';

export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: unknown[];
}

/**
 * The ADF document of a Markdown text. marklassian passes `<adf>` blocks through as raw ADF nodes;
 * an author's text is not trusted with that, so such a tag is escaped and shows as text.
 */
export function markdownToJiraDocument(markdown: string): AdfDocument {
  const doc = markdownToAdf(markdown.replace(/<(\/?adf)\b/gi, '\\<$1'));
  return { type: 'doc', version: 1, content: doc.content as unknown[] };
}
