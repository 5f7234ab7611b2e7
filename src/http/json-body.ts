// The JSON body of a request that may be a plain operation (server.ts), read without body-parser's
// per-request machinery (content-type matching, a charset decoder, an async resource: ~4% of the
// hot read path's CPU) when nothing about it is unusual: no Content-Encoding nor
// Transfer-Encoding, a Content-Length within the limit, and bytes that start with "{" and that
// JSON.parse takes. Anything else is body-parser's to decide, as on the full path: a request it
// may not be read for is handed over unread, and one read here that is unusual (empty, a
// byte-order mark, not an object, not JSON, cut short) is handed over with the bytes it sent, so
// the parser answers it exactly as it would have (its errors, its result).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

type Next = (err?: unknown) => void;
/** body-parser's json middleware. */
type JsonParser = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

export function leanJsonBody(parser: JsonParser, limitBytes: number): JsonParser {
  return (req, res, next) => {
    const { headers } = req;
    const length = Number(headers['content-length']);
    if (
      headers['content-encoding'] !== undefined ||
      headers['transfer-encoding'] !== undefined ||
      !(length > 0 && length <= limitBytes)
    ) {
      parser(req, res, next);
      return;
    }
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const onEnd = () => {
      stop();
      const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const text = bytes.toString('utf8');
      if (text.charCodeAt(0) === 0x7b /* { */) {
        try {
          (req as { body?: unknown }).body = JSON.parse(text) as unknown;
          next();
          return;
        } catch {
          // the parser's own error, below
        }
      }
      replay(false);
    };
    const onAborted = () => {
      stop();
      replay(true);
    };
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', onAborted);
    };
    /** The parser reads the bytes the request sent (and its abort, if it was cut short). */
    const replay = (aborted: boolean) => {
      const stream = Object.assign(new Readable({ read() {} }), { headers });
      for (const chunk of chunks) stream.push(chunk);
      if (!aborted) stream.push(null);
      parser(stream as unknown as IncomingMessage, res, (err) => {
        (req as { body?: unknown }).body = (stream as { body?: unknown }).body;
        next(err);
      });
      // after the bytes sent reach the parser; then the end its clean-up waits for
      if (aborted)
        process.nextTick(() => {
          stream.emit('aborted');
          stream.push(null);
        });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onAborted);
  };
}
