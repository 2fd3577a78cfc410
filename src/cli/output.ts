/**
 * The CLI's output: the Reporter (src/report/reporter.ts), through which every printed line passes
 * and is redacted, and the text tables (src/report/table.ts). They live in src/report/ because
 * src/load/ reports through them too and must not depend on the CLI; the CLI's commands import
 * them from here.
 */
export * from '../report/reporter.js';
export { formatTable } from '../report/table.js';
