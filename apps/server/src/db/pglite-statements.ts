import { type messages, type PGlite, parse, protocol } from '@electric-sql/pglite';
import { concatAll } from '@llamenos/crypto';

type RowDescription = messages.RowDescriptionMessage;
type ParameterDescription = messages.ParameterDescriptionMessage;

interface Prepared {
  name: string;
  /** The parameters' type oids, to serialize each value as PGlite's own query() would. */
  paramTypes: readonly number[];
  /**
   * The result's columns, from the Describe at Parse: a named statement's result type cannot
   * change (PostgreSQL refuses with "cached plan must not change result type"), so each run
   * sends Bind/Execute/Sync only and the rows are read against this description.
   */
  columns: RowDescription | null;
}

const FORCE_GENERIC = 'set plan_cache_mode = force_generic_plan';
const RESET_PLAN_MODE = 'reset plan_cache_mode';

/** Far above the server's fixed set of SQL texts; only a text built per call (an IN list) churns. */
export const MAX_PREPARED = 256;

/**
 * Named prepared statements on one PGlite instance, keyed by SQL text. PGlite's query() parses,
 * analyses and plans every call anew through the unnamed statement, in six calls into the WASM
 * module; here a text is parsed once per instance, and each later run is one call with
 * Bind/Execute/Sync, planned as PostgreSQL plans any named statement (custom plans for the first
 * five runs, then the generic plan when it costs no more), as the PostgreSQL driver already does.
 *
 * The caller holds PGlite's locks (see pglite.ts): these calls go to the protocol directly.
 * Plans follow schema changes by themselves (PostgreSQL revalidates them); a changed result type
 * is the one thing it refuses, so `forget()` drops everything after DDL, and a statement that
 * fails for that reason is dropped and, outside a transaction, run once more.
 */
export class PreparedStatements {
  readonly #pg: PGlite;
  /** In least recently used order (a Map keeps insertion order; a hit moves to the end). */
  readonly #byText = new Map<string, Prepared>();
  /** Statements to close, sent ahead of the next run's messages (no round trip of their own). */
  #closing: string[] = [];
  #next = 0;
  /** Statements parsed, for the tests: a second run of a text must not parse again. */
  parses = 0;

  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  get size(): number {
    return this.#byText.size;
  }

  /** Drops every statement (after DDL, whose result types may differ). */
  forget(): void {
    for (const p of this.#byText.values()) this.#closing.push(p.name);
    this.#byText.clear();
  }

  /**
   * Runs `text` with `params`. `inTransaction` says whether a failed run may be retried; `generic`
   * plans it with the generic plan (QueryOptions.plan in database.ts).
   */
  async run<T>(
    text: string,
    params: readonly unknown[],
    { inTransaction, generic = false }: { inTransaction: boolean; generic?: boolean },
  ): Promise<T[]> {
    try {
      return await this.#runOnce<T>(text, params, generic);
    } catch (error) {
      if (!isStale(error)) throw withQuery(error, text, params);
      this.#drop(text);
      // Inside a transaction the failure has aborted it: only the caller can start again.
      if (inTransaction) throw withQuery(error, text, params);
      try {
        return await this.#runOnce<T>(text, params, generic);
      } catch (again) {
        throw withQuery(again, text, params);
      }
    }
  }

  async #runOnce<T>(text: string, params: readonly unknown[], generic: boolean): Promise<T[]> {
    // A plan is chosen at Bind, so the setting brackets it in the same call. Should the statement
    // fail, its transaction (the explicit one, or the implicit one up to Sync) aborts, and that
    // takes the SET back with it.
    const [before, after] = generic
      ? [await this.#entry(FORCE_GENERIC), await this.#entry(RESET_PLAN_MODE)]
      : [null, null];
    const prepared = await this.#entry(text);
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serialize = this.#pg.serializers[prepared.paramTypes[i] ?? 0];
      return serialize ? serialize(value) : String(value);
    });
    const messages = await this.#pg.execProtocolStream(
      concatAll([
        ...this.#takeClosing(),
        ...(before
          ? [protocol.serialize.bind({ statement: before.name }), protocol.serialize.execute({})]
          : []),
        protocol.serialize.bind({ statement: prepared.name, values }),
        protocol.serialize.execute({}),
        ...(after
          ? [protocol.serialize.bind({ statement: after.name }), protocol.serialize.execute({})]
          : []),
        protocol.serialize.sync(),
      ]),
      { syncToFs: false },
    );
    // The statement's own messages: after the SET's completion, when there was one.
    const own = before
      ? messages.slice(messages.findIndex((m) => m.name === 'commandComplete') + 1)
      : messages;
    const described = prepared.columns ? [prepared.columns, ...own] : own;
    return (parse.parseResults(described, this.#pg.parsers)[0]?.rows ?? []) as T[];
  }

  /** The statement for `text`, prepared now if it is not kept, and marked as the latest used. */
  async #entry(text: string): Promise<Prepared> {
    const prepared = this.#byText.get(text) ?? (await this.#prepare(text));
    this.#byText.delete(text);
    this.#byText.set(text, prepared);
    return prepared;
  }

  async #prepare(text: string): Promise<Prepared> {
    const name = `llamenos_${this.#next++}`;
    const messages = await this.#pg.execProtocolStream(
      concatAll([
        ...this.#takeClosing(),
        protocol.serialize.parse({ name, text }),
        protocol.serialize.describe({ type: 'S', name }),
        protocol.serialize.sync(),
      ]),
      { syncToFs: false },
    );
    this.parses++;
    const paramTypes =
      messages.find((m): m is ParameterDescription => m.name === 'parameterDescription')?.dataTypeIDs ?? [];
    const columns = messages.find((m): m is RowDescription => m.name === 'rowDescription') ?? null;
    const prepared = { name, paramTypes, columns };
    this.#byText.set(text, prepared);
    if (this.#byText.size > MAX_PREPARED) {
      const oldest = this.#byText.keys().next().value as string;
      this.#drop(oldest);
    }
    return prepared;
  }

  #drop(text: string): void {
    const prepared = this.#byText.get(text);
    if (!prepared) return;
    this.#byText.delete(text);
    this.#closing.push(prepared.name);
  }

  #takeClosing(): Uint8Array[] {
    if (this.#closing.length === 0) return [];
    const closes = this.#closing.map((name) => protocol.serialize.close({ type: 'S', name }));
    this.#closing = [];
    return closes;
  }
}

/**
 * PostgreSQL's refusal to run a named statement whose result columns changed under it (0A000), or
 * one deallocated behind this cache's back (26000, a `deallocate all` sent through query()).
 */
function isStale(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === '26000' ||
    (code === '0A000' && error.message.includes('cached plan must not change result type'))
  );
}

/** The error as PGlite's query() throws it: the database's error with the statement attached. */
function withQuery(error: unknown, query: string, params: readonly unknown[]): unknown {
  if (error instanceof Error && 'code' in error)
    Object.assign(error, { query, params, queryOptions: undefined });
  return error;
}
