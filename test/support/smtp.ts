// A real SMTP server for tests (smtp-server) that parses every message it accepts (mailparser),
// behind a TCP proxy that can lose the connection at a chosen moment: before the recipients
// (nothing was sent), or after the message was accepted but before its 250 reached the client
// (it was delivered, and the sender cannot know).
import { type AddressInfo, createServer, type Server, Socket } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  rcptTo: string[];
  mailFrom: string;
  parsed: ParsedMail;
}

export type SmtpFault =
  /** Cut the connection when the client sends RCPT TO: nothing was submitted. */
  | 'dropAtRcpt'
  /** Let the server accept the message, then cut the connection before its reply reaches the client. */
  | 'dropReplyAfterData';

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  private readonly faults: SmtpFault[] = [];
  private readonly smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      simpleParser(stream)
        .then((parsed) => {
          this.received.push({
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            parsed,
          });
          callback();
        })
        .catch(callback);
    },
  });
  private readonly proxy: Server = createServer((client) => this.relay(client));
  private smtpPort = 0;
  private readonly sockets = new Set<Socket>();

  /** Starts both; answers the SMTP_URL to give the hub (through the proxy). */
  async start(): Promise<string> {
    this.smtpPort = await listen(this.smtp.server);
    const port = await listen(this.proxy);
    return `smtp://127.0.0.1:${port}`;
  }

  /** The next connection suffers this fault (one connection per fault, in order). */
  inject(fault: SmtpFault): void {
    this.faults.push(fault);
  }

  /** Messages received with this Message-ID. */
  withMessageId(messageId: string): ReceivedMail[] {
    return this.received.filter((m) => m.parsed.messageId === messageId);
  }

  reset(): void {
    this.received.length = 0;
    this.faults.length = 0;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.proxy.close(() => resolve()));
    await new Promise<void>((resolve) => this.smtp.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const fault = this.faults.shift();
    const server = new Socket();
    this.sockets.add(client).add(server);
    const cut = () => {
      client.destroy();
      server.destroy();
    };
    let sent = '';
    let dataEnded = false;
    client.on('data', (chunk: Buffer) => {
      sent = (sent + chunk.toString('latin1')).slice(-4096);
      if (fault === 'dropAtRcpt' && /^RCPT TO/im.test(sent)) return cut();
      if (/\r\n\.\r\n$/.test(sent)) dataEnded = true;
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      // The server has taken the message and answers it: that answer is lost on the way.
      if (fault === 'dropReplyAfterData' && dataEnded) return cut();
      client.write(chunk);
    });
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
    client.on('error', () => undefined);
    server.on('error', () => undefined);
    server.connect(this.smtpPort, '127.0.0.1');
  }
}
