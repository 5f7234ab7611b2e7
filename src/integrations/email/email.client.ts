// The SMTP adapter (nodemailer): the only file that imports it. SMTP cannot look a message up, so
// duplicates are avoided by when a failure is retried: a failure before the server said 354 (go
// ahead with the message) means it was not taken and is retried; once the message has been handed
// over, a lost connection or timeout before the server's answer is UNCERTAIN and not retried (at
// most once), with the deterministic Message-ID in the record for a person to check.
import nodemailer from 'nodemailer';
import { IntegrationError } from '../integration-error';
import type { MailMessage, Mailer, MailReceipt } from './email.port';

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  command?: string;
}

export class SmtpMailer implements Mailer {
  constructor(private readonly options: { url: string; timeoutMs: number }) {}

  async send(message: MailMessage): Promise<MailReceipt> {
    // The transaction log (commands and replies, never the message) tells whether the server has
    // said 354; a transport per message keeps that to this message.
    let handedOver = false;
    const observe = (entry: { tnx?: string } | undefined, text?: unknown) => {
      if (entry?.tnx === 'server' && typeof text === 'string' && /^354\b/.test(text)) handedOver = true;
    };
    const logger = {
      trace: observe,
      debug: observe,
      info: observe,
      warn: observe,
      error: observe,
      fatal: observe,
    };
    const transport = nodemailer.createTransport({
      url: this.options.url,
      logger,
      transactionLog: true,
      connectionTimeout: this.options.timeoutMs,
      greetingTimeout: this.options.timeoutMs,
      socketTimeout: this.options.timeoutMs,
    });
    try {
      const info = await transport.sendMail({
        messageId: message.messageId,
        from: message.from,
        to: [...message.to],
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
      return {
        messageId: message.messageId,
        accepted: info.accepted.map(String),
        rejected: info.rejected.map(String),
        response: info.response,
      };
    } catch (err) {
      throw smtpFailure(err as SmtpFailure, handedOver);
    } finally {
      transport.close();
    }
  }
}

/** An SMTP failure as an IntegrationError: the server's reply code decides, else how far it got. */
function smtpFailure(err: SmtpFailure, handedOver: boolean): IntegrationError {
  const code = err.responseCode;
  if (code === 530 || code === 535 || err.code === 'EAUTH') {
    return new IntegrationError('EMAIL', 'UNAUTHORIZED', `SMTP ${code ?? 'authentication'} refused`);
  }
  if (code && code >= 500) {
    return new IntegrationError('EMAIL', 'INVALID_REQUEST', `SMTP ${code} at ${err.command ?? 'send'}`);
  }
  if (code && code >= 400) {
    return new IntegrationError('EMAIL', 'UNAVAILABLE', `SMTP ${code} at ${err.command ?? 'send'}`);
  }
  if (handedOver) {
    return new IntegrationError(
      'EMAIL',
      'UNCERTAIN',
      `connection lost after the message was handed over (${err.code ?? 'no answer'}); it may have been delivered, so it is not sent again`,
    );
  }
  return new IntegrationError('EMAIL', 'UNAVAILABLE', `SMTP ${err.code ?? 'connection'} failure`);
}
