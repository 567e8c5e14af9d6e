// CSV export. Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`,
// tab or carriage return as a formula, so text cells that do are prefixed
// with `'` (case C-xss); number columns stay numbers, negative ones too.

/** A column of an exported table. */
export interface CsvColumn<Row> {
  header: string;
  kind: 'text' | 'number';
  value: (row: Row) => string | number | null | undefined;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell made safe to open in a spreadsheet. */
export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function cell<Row>(column: CsvColumn<Row>, row: Row): string {
  const value = column.value(row);
  if (value === null || value === undefined) {
    return '';
  }
  if (column.kind === 'number' && typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  return quote(neutraliseCell(String(value)));
}

/** The rows as CSV text, a header line first, lines ended by CRLF. */
export function toCsv<Row>(columns: readonly CsvColumn<Row>[], rows: readonly Row[]): string {
  const header = columns.map((column) => quote(neutraliseCell(column.header))).join(',');
  const lines = rows.map((row) => columns.map((column) => cell(column, row)).join(','));
  return [header, ...lines].join('\r\n') + '\r\n';
}

/** Offers `csv` to the user as a file download. */
export function downloadCsv(filename: string, csv: string): void {
  const blob = new Blob([csv], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}
