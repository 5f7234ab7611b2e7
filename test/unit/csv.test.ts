// The CSV cells a spreadsheet would run as formulas get a leading quote; nothing else changes.
import { neutraliseFormula } from '../../src/http/csv';
import { parseRfc4180 } from '../support/csv-parse';

describe('neutraliseFormula', () => {
  it.each([
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['+SUM(A1:A9)', "'+SUM(A1:A9)"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', "'\r=1+1"],
  ])('quotes %j', (cell, safe) => {
    expect(neutraliseFormula(cell)).toBe(safe);
  });

  it.each([
    ['Orders late, "again"'],
    ['a=b'],
    [' =1'],
    [''],
    ["'already text"],
    ['P1'],
    ['2026-03-01T00:00:00.000Z'],
  ])('leaves %j as it is', (cell) => {
    expect(neutraliseFormula(cell)).toBe(cell);
  });
});

describe('the test RFC 4180 reader', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and refuses a bare quote', () => {
    expect(parseRfc4180('a,"b,""c""\r\nd",\r\n"",x\r\n')).toEqual([
      ['a', 'b,"c"\r\nd', ''],
      ['', 'x'],
    ]);
    expect(() => parseRfc4180('a"b\r\n')).toThrow(/not RFC 4180/);
    expect(() => parseRfc4180('"a\r\n')).toThrow(/not closed/);
  });
});
