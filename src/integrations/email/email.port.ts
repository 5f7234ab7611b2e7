// What the hub needs from a mail service: send one message, exactly as rendered.

export interface MailMessage {
  /** Deterministic per effect ("<…@…>"), so a copy sent twice is recognisably the same message. */
  messageId: string;
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
}

export interface MailReceipt {
  messageId: string;
  /** Recipients the server accepted. */
  accepted: string[];
  /** Recipients the server refused (the message went to the others). */
  rejected: string[];
  /** The server's answer to the message. */
  response: string;
}

export interface Mailer {
  /**
   * Submit the message. Throws an IntegrationError: UNAVAILABLE when it was certainly not
   * accepted and may be tried again; UNCERTAIN when the connection was lost after the message was
   * handed over but before the server answered (it may have been delivered: not to be retried
   * automatically, as SMTP offers no way to look a message up).
   */
  send(message: MailMessage): Promise<MailReceipt>;
}
