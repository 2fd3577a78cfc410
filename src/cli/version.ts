/** The version in package.json, which is two levels above src/cli and three above dist/src/cli. */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'pipedrive-loader' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // Not at this level: try the next.
    }
  }
  return 'unknown';
}
