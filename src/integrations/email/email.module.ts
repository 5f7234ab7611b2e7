// Email over SMTP (SMTP_URL, MAIL_FROM): communications to distribution lists, from templates
// kept as files. Without SMTP_URL the emails are recorded as DISABLED, rendered.
import type { Config } from '../../config';
import { ExternalSystem } from '../../domain/enums';
import type { VendorModule } from '../vendor-module';
import { SmtpMailer } from './email.client';
import { EmailEffects, EmailReactions } from './email.reactions';
import { EmailTemplates } from './email.templates';

export const emailModule: VendorModule<'email'> = {
  name: 'email',
  system: ExternalSystem.EMAIL,
  enabled: (config: Config) => !!config.vendors.SMTP_URL,
  reactions: (config, enabled) =>
    new EmailReactions(enabled, EmailTemplates.load(), config.vendors.MAIL_FROM),
  adapter: (config) =>
    new SmtpMailer({ url: config.vendors.SMTP_URL!, timeoutMs: config.integrations.vendorTimeoutMs }),
  handler: (mailer) => new EmailEffects(mailer),
};
