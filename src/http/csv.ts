// CSV responses: RFC 4180 (csv-stringify: quotes doubled, cells with commas, quotes or line breaks
// quoted, CRLF between records), a UTF-8 byte order mark so spreadsheets read the encoding, and no
// cell a spreadsheet would run as a formula. Rows are streamed with backpressure.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';

/** Characters that make a spreadsheet read a cell as a formula (or, tab and CR, hide one). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell a spreadsheet would take for a formula, with a leading `'` so it stays text. */
export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

export interface CsvColumn<R> {
  header: string;
  value(row: R): string | number | Date | null;
}

/** Sends `rows` as an attachment named `filename`, one record per row, as they come. */
export async function sendCsv<R>(
  res: Response,
  filename: string,
  columns: readonly CsvColumn<R>[],
  rows: AsyncIterable<R>,
): Promise<void> {
  res.status(200);
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`);
  res.setHeader('cache-control', 'no-store');
  const records = async function* () {
    for await (const row of rows) yield columns.map((c) => c.value(row));
  };
  await pipeline(
    Readable.from(records()),
    stringify({
      bom: true,
      header: true,
      columns: columns.map((c) => c.header),
      record_delimiter: 'windows',
      cast: {
        string: neutraliseFormula,
        date: (d) => d.toISOString(),
        number: (n) => String(n),
      },
    }),
    res,
  );
}
