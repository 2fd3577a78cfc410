/** The reliability suite (suite.ts) on PostgreSQL (test/helpers/postgres.ts says where it comes from). */
import { postgresTarget } from './harness.js';
import { reliabilitySuite } from './suite.js';

reliabilitySuite('postgres', postgresTarget);
