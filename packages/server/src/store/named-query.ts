import type { CompiledQuery } from "kysely";

/** Stands for a parameter in a statement built once; replaced by its value, found by name, on each call. */
class Placeholder {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/**
 * Names a parameter of a statement built with `namedQuery`. Typed `never` so it fits any column or
 * clause: it is never sent as a value, only replaced by the value bound to its name.
 */
export type Param<K extends string> = (name: K) => never;

/**
 * A statement compiled once whose parameters are bound by name. Where Kysely puts each parameter in
 * its output (columns in object order, the WITH before the update, SET before WHERE) is its own
 * business: the placeholders it emits carry their names, so each call's values land where they belong
 * whatever that order is. Compiling once keeps the hot paths cheap (building a Kysely query costs more
 * than SQLite takes to run a point query), and the text stays the same, so SQLite prepares it once.
 */
export class NamedQuery<K extends string> {
  readonly sql: string;
  readonly #query: CompiledQuery;
  /** The name of each positional parameter, in the order the text has them. */
  readonly #names: readonly K[];

  private constructor(query: CompiledQuery, names: readonly K[]) {
    this.sql = query.sql;
    this.#query = query;
    this.#names = names;
  }

  /**
   * Compiles the statement once, with `p(name)` wherever a value goes.
   * @throws Error when the built statement has a parameter that is not a named placeholder (a literal
   * value would be sent on every call, whatever was bound).
   */
  static build<K extends string>(build: (p: Param<K>) => CompiledQuery): NamedQuery<K> {
    const query = build((name) => new Placeholder(name) as never);
    const names = query.parameters.map((parameter, i) => {
      if (!(parameter instanceof Placeholder)) {
        throw new Error(`parameter ${i + 1} of a named query is not named: ${query.sql}`);
      }
      return parameter.name as K;
    });
    return new NamedQuery(query, names);
  }

  /**
   * Checks that `name` is the statement's one parameter, so a hot path may pass the value alone
   * (no object, no array per call) and still bind by name.
   * @throws Error when the statement has other parameters, or this one more than once.
   */
  assertOnlyParameter(name: K): void {
    if (this.#names.length !== 1 || this.#names[0] !== name) {
      throw new Error(`expected ${name} as the only parameter of: ${this.sql}`);
    }
  }

  /** The positional parameters for `values`, in the text's order. */
  parameters(values: Readonly<Record<K, unknown>>): unknown[] {
    return this.#names.map((name) => values[name]);
  }

  /** The statement with `values` bound, ready to run. */
  bind(values: Readonly<Record<K, unknown>>): CompiledQuery {
    return { ...this.#query, parameters: this.parameters(values) };
  }
}

/** A placeholder for each key of `row`: the row of a statement that writes every column by name. */
export function placeholderRow<R extends object>(p: Param<Extract<keyof R, string>>, row: R): R {
  return Object.fromEntries(
    Object.keys(row).map((column) => [column, p(column as Extract<keyof R, string>)]),
  ) as R;
}
