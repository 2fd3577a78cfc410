export { StateStore, ABANDONED_RUN_ERROR } from './store.js';
export { openRunIds, recordOpenRunsInterrupted } from './open-runs.js';
export { bookmarkWithOverlap } from './bookmarks.js';
export type {
  FinishedRun,
  PersistedColumnMapping,
  RunRecord,
  RunStatus,
  RunStreamStats,
  StreamState,
} from './types.js';
