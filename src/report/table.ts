/** Fixed-width text tables: the run summary (src/load/summary.ts) and the CLI's `state`/`plan` output. */

/**
 * Renders rows as a fixed-width text table with a header. By default the first column is
 * left-aligned and the others (figures) right-aligned; `align` overrides that per column.
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  align?: readonly ('left' | 'right')[],
): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const render = (row: readonly string[]): string =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        const left = (align?.[column] ?? (column === 0 ? 'left' : 'right')) === 'left';
        return left ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [render(headers), rule, ...cells.slice(1).map(render)].join('\n');
}
