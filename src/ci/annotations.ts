/**
 * Turning `--log-format json` lines into GitHub workflow annotations.
 *
 * The workflow pipes the loader's stdout through `node -e "$PIPEDRIVE_LOADER_ANNOTATE"`, with the
 * script below in that environment variable (so neither YAML nor the shell has to quote it). The
 * script copies every line to the log unchanged, and after each JSON line whose `level` is
 * `error` or `warn` it prints `::error title=pipedrive-loader::<message>` (or `::warning …`), the
 * workflow command GitHub shows on the run's summary page. Lines that are not JSON pass through.
 * The message is escaped as GitHub's workflow commands require (`%`, CR and LF). The loader's
 * closing `failed` line is level error even for exit 4 or 7, which the workflow treats as a
 * warning (WARNING_EXIT_CODES): by its `exit_code` such a line becomes a warning annotation too,
 * so a run that merely spent its budget shows no error.
 *
 * It is plain Node (CommonJS, no dependencies, no `${{`), because it runs on the CI runner before
 * or without the project's own code, and `${{` would be read as a GitHub expression.
 */

/**
 * Exit codes that the workflow reports as a warning rather than a failed job: 4 (the API budget
 * is spent; committed data is kept and the next scheduled run resumes) and 7 (another run holds
 * the schema, e.g. a manual run on a laptop). Everything else fails the job.
 */
export const WARNING_EXIT_CODES = [4, 7] as const;

export const ANNOTATION_ENV_VAR = 'PIPEDRIVE_LOADER_ANNOTATE';

export const ANNOTATION_SCRIPT = `const readline = require("node:readline");
const escape = (text) => String(text).replace(/%/g, "%25").replace(/\\r/g, "%0D").replace(/\\n/g, "%0A");
const commands = { error: "error", warn: "warning" };
const warningExitCodes = [${WARNING_EXIT_CODES.join(', ')}];
readline.createInterface({ input: process.stdin, crlfDelay: Infinity }).on("line", (line) => {
  console.log(line);
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return;
  }
  let command = entry && typeof entry === "object" ? commands[entry.level] : undefined;
  if (!command) return;
  if (warningExitCodes.includes(entry.exit_code)) command = "warning";
  const where = typeof entry.stream === "string" ? " (stream " + entry.stream + ")" : "";
  console.log("::" + command + " title=pipedrive-loader::" + escape(String(entry.message ?? entry.event) + where));
});
`;

