import { describe, expect, it } from 'vitest';
import { neutraliseCell, toCsv, type CsvColumn } from './csv';

interface Row {
  name: string;
  tests: number;
}

const columns: CsvColumn<Row>[] = [
  { header: 'Customer', kind: 'text', value: (row) => row.name },
  { header: 'Tests', kind: 'number', value: (row) => row.tests },
];

describe('toCsv', () => {
  it('neutralises formula text and keeps numbers numeric, negative ones too', () => {
    const rows = [
      { name: '=HYPERLINK("http://x","y")', tests: -4 },
      { name: '<img src=x onerror=alert(1)>', tests: 12 },
      { name: '+1', tests: 0 },
      { name: '-2', tests: 1 },
      { name: '@SUM(A1)', tests: 2 },
      { name: '\tTabbed', tests: 3 },
      { name: '\rReturn', tests: 4 },
    ];

    const csv = toCsv(columns, rows);

    expect(csv.split('\r\n')).toEqual([
      'Customer,Tests',
      '"\'=HYPERLINK(""http://x"",""y"")",-4',
      '<img src=x onerror=alert(1)>,12',
      "'+1,0",
      "'-2,1",
      "'@SUM(A1),2",
      "'\tTabbed,3",
      '"\'\rReturn",4',
      '',
    ]);
  });

  it('quotes commas and line breaks and leaves missing cells empty', () => {
    const csv = toCsv(
      [{ header: 'Name', kind: 'text', value: (row: { name: string | null }) => row.name }],
      [{ name: 'Acme, Inc.' }, { name: null }, { name: 'two\nlines' }],
    );

    expect(csv).toBe('Name\r\n"Acme, Inc."\r\n\r\n"two\nlines"\r\n');
  });
});

describe('neutraliseCell', () => {
  it('leaves ordinary text alone', () => {
    expect(neutraliseCell('Acme Labs')).toBe('Acme Labs');
    expect(neutraliseCell('')).toBe('');
  });
});
