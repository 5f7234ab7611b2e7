// Email templates kept as files in the repository (templates/email/<kind>.{subject,text,html}.hbs),
// read and compiled once. Handlebars in strict mode: a fact a template names but is not given is an
// error, not an empty string. The HTML part escapes every fact; the subject and text parts do not.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../../package-root';

/** The kinds of email the hub sends, each with its three templates. */
export const EMAIL_KINDS = ['communication-internal', 'communication-external'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

type Compiled = Record<keyof RenderedEmail, Handlebars.TemplateDelegate>;

export class EmailTemplates {
  private constructor(private readonly compiled: ReadonlyMap<EmailKind, Compiled>) {}

  /** Read and compile every kind's templates from `dir` (default: templates/email in the repository). */
  static load(dir: string = join(packageRoot(), 'templates', 'email')): EmailTemplates {
    const hbs = Handlebars.create();
    const compiled = new Map<EmailKind, Compiled>();
    for (const kind of EMAIL_KINDS) {
      const read = (part: keyof RenderedEmail) => readFileSync(join(dir, `${kind}.${part}.hbs`), 'utf8');
      compiled.set(kind, {
        subject: hbs.compile(read('subject'), { strict: true, noEscape: true }),
        text: hbs.compile(read('text'), { strict: true, noEscape: true }),
        html: hbs.compile(read('html'), { strict: true }),
      });
    }
    return new EmailTemplates(compiled);
  }

  render(kind: EmailKind, facts: Record<string, unknown>): RenderedEmail {
    const templates = this.compiled.get(kind)!;
    // A subject is one line, whatever the facts held.
    const subject = templates.subject(facts).replace(/\s+/g, ' ').trim();
    return { subject, text: templates.text(facts).trim() + '\n', html: templates.html(facts) };
  }
}

/** A text as paragraphs (split at blank lines), each a list of its lines, for the HTML part. */
export function paragraphsOf(text: string): string[][] {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.split(/\r?\n/).map((line) => line.trim()))
    .filter((lines) => lines.some(Boolean));
}
