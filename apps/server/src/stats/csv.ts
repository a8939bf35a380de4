/**
 * CSV for spreadsheets: every cell quoted, and a cell that a spreadsheet would read as a
 * formula (starting with = + - @, a tab or a carriage return) prefixed with an apostrophe, as
 * the audit export does. A member's display name is user text and reaches these files.
 */
export function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export const csvTable = (header: string[], rows: (string | number)[][]): string =>
  `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
