export { canHold, convertCell } from './conversion.js';
export { diff, isNoop, siblingName } from './diff.js';
export type { ColumnTarget, DiffOptions, SchemaPlan, TablePlan, TypeConflict } from './diff.js';
export { createRowProjector } from './project.js';
export type { RowProjector } from './project.js';
export { renderPlan } from './render.js';
export { BoundParameters } from './parameters.js';
