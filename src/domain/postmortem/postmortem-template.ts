// The postmortem's layout is a file in the repository (templates/postmortem.md.hbs), so a team can
// change it without code: Handlebars in strict mode (a fact the template names but is not given is
// an error, not an empty string), no HTML escaping (the output is Markdown).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../../package-root';
import type { PostmortemFacts } from './postmortem';

export const DEFAULT_POSTMORTEM_TEMPLATE = join(packageRoot(), 'templates', 'postmortem.md.hbs');

export class PostmortemTemplate {
  private constructor(private readonly compiled: Handlebars.TemplateDelegate<PostmortemFacts>) {}

  /**
   * Read and compile the template at `path` (default: templates/postmortem.md.hbs); a syntax error
   * is thrown here, at start, naming the file.
   */
  static load(path: string = DEFAULT_POSTMORTEM_TEMPLATE): PostmortemTemplate {
    const source = readFileSync(path, 'utf8');
    const hbs = Handlebars.create();
    try {
      hbs.parse(source);
    } catch (err) {
      throw new Error(`postmortem template ${path}: ${(err as Error).message}`, { cause: err });
    }
    return new PostmortemTemplate(hbs.compile(source, { strict: true, noEscape: true }));
  }

  /** The Markdown: trailing blanks trimmed, at most one blank line in a row, one final newline. */
  render(facts: PostmortemFacts): string {
    return (
      this.compiled(facts)
        .replace(/[ \t]+$/gm, '')
        .replace(/\n{3,}/g, '\n\n')
        .trim() + '\n'
    );
  }
}
