/**
 * A statement's bound values and their placeholders, built together so they cannot disagree,
 * whichever way the warehouse refers to parameters (`Capabilities.parameters`): numbered ($1,
 * :1) or positional (?, each taking the next value in text order).
 */
import type { Dialect, SqlParam } from '../../adapters/types.js';
import type { LogicalType } from '../schema/types.js';

export class BoundParameters {
  readonly values: SqlParam[] = [];
  readonly #shared = new Map<string, string>();

  constructor(private readonly dialect: Dialect) {}

  /**
   * The placeholder of a new value; with `type`, read as that type (`Dialect.parameterAs`: JSON
   * text through PARSE_JSON where the warehouse needs it). Call it in the order the placeholders
   * appear in the text.
   */
  add(value: SqlParam, type?: LogicalType): string {
    this.values.push(value);
    const index = this.values.length;
    return type === undefined ? this.dialect.parameter(index) : this.dialect.parameterAs(index, type);
  }

  /**
   * The placeholder of a value the statement uses more than once, known by `name`: bound once and
   * referred to again where parameters are numbered, bound again at each use where they are
   * positional. Like `add`, call it in text order.
   */
  shared(name: string, value: SqlParam): string {
    const placeholder = this.#shared.get(name);
    if (placeholder !== undefined && this.dialect.capabilities.parameters === 'numbered') return placeholder;
    const added = this.add(value);
    this.#shared.set(name, added);
    return added;
  }
}
