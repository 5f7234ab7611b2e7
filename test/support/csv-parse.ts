// A small RFC 4180 reader written for the tests, independent of the CSV library the hub writes with:
// records end in CRLF; a field is either plain (no comma, quote, CR or LF) or quoted, with "" for a
// quote inside and line breaks kept. Anything else is an error, not a guess.
export function parseRfc4180(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`not RFC 4180 at character ${at}: ${why}`);
  };
  for (;;) {
    let field = '';
    if (text[at] === '"') {
      at += 1;
      for (;;) {
        if (at >= text.length) fail('a quoted field is not closed');
        if (text[at] === '"') {
          if (text[at + 1] === '"') {
            field += '"';
            at += 2;
          } else {
            at += 1;
            break;
          }
        } else field += text[at++];
      }
    } else {
      while (at < text.length && text[at] !== ',' && text[at] !== '\r') {
        if (text[at] === '"' || text[at] === '\n') fail('a quote or line feed in an unquoted field');
        field += text[at++];
      }
    }
    record.push(field);
    if (text[at] === ',') {
      at += 1;
      continue;
    }
    if (text.startsWith('\r\n', at)) {
      at += 2;
      records.push(record);
      record = [];
      if (at === text.length) return records;
      continue;
    }
    if (at >= text.length) {
      records.push(record);
      return records;
    }
    fail('a field must end in a comma or CRLF');
  }
}
