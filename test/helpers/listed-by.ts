/**
 * Which of a shared table's sandbox records a stream lists: deals, leads and projects have a live
 * list and an archived one, goals one per tracking metric and active flag. Used wherever a test or the bench
 * counts what a stream should read from the sandbox's own records.
 */
import type { StreamDefinition } from '../../src/pipedrive/catalog.js';

export function listedBy(stream: StreamDefinition, record: Readonly<Record<string, unknown>>): boolean {
  const archivedList = stream.name.endsWith('_archived');
  if (stream.table === 'deals' || stream.table === 'leads') return archivedList === (record.is_archived === true);
  if (stream.table === 'projects') return archivedList === ((record.archive_time ?? null) !== null);
  if (stream.table === 'goals') {
    const outcome = record.expected_outcome as { tracking_metric?: unknown } | undefined;
    return String(record.is_active) === stream.params?.is_active && outcome?.tracking_metric === stream.params['expected_outcome.tracking_metric'];
  }
  return true;
}
