/**
 * Which of a shared table's sandbox records a stream lists: deals, leads and projects have a live
 * list and an archived one, goals an active and an inactive one. Used wherever a test or the bench
 * counts what a stream should read from the sandbox's own records.
 */
import type { StreamDefinition } from '../../src/pipedrive/catalog.js';

export function listedBy(stream: StreamDefinition, record: Readonly<Record<string, unknown>>): boolean {
  const archivedList = stream.name.endsWith('_archived');
  if (stream.table === 'deals' || stream.table === 'leads') return archivedList === (record.is_archived === true);
  if (stream.table === 'projects') return archivedList === ((record.archive_time ?? null) !== null);
  if (stream.table === 'goals') return (stream.name === 'goals_inactive') === (record.is_active === false);
  return true;
}
