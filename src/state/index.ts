export { StateStore } from './store.js';
export { bookmarkWithOverlap } from './bookmarks.js';
export type {
  FinishedRun,
  PersistedColumnMapping,
  RunRecord,
  RunStatus,
  RunStreamStats,
  StreamState,
} from './types.js';
