/** Names of the loader's own tables, shared by the migrations and the state store. */
export const LOADER_TABLES = {
  migrations: '_loader_migrations',
  state: '_loader_state',
  runs: '_loader_runs',
  columns: '_loader_columns',
  rejects: '_loader_rejects',
} as const;
