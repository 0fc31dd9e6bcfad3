import { Data, type Interest, Name } from "@ndn/packet";
import type { DataStore as S } from "@ndn/repo-api";
import { Decoder } from "@ndn/tlv";
import type { AbstractLevel } from "abstract-level";
import { ClassicLevel } from "classic-level";
import { MemoryLevel } from "memory-level";

import { encodeCompact } from "../util/encode.js";

type Db = AbstractLevel<Uint8Array, Uint8Array, Uint8Array>;
type PutOp = { type: "put"; key: Uint8Array; value: Uint8Array };

export interface LevelStoreOptions {
  /**
   * Flush each insert batch to disk before acknowledging it (survives a machine crash, not only a
   * process crash), at the cost of a disk sync per batch.
   * @defaultValue false
   */
  sync?: boolean;
}

/**
 * A repo: Data packets in a LevelDB (or in-memory level) database, keyed by the TLV-VALUE of their
 * names, whose byte order is NDN's canonical order, so the packets under a prefix are one key range.
 * Implements the @ndn/repo-api DataStore interfaces. Inserts are atomic batches.
 */
export class LevelStore implements S.ListNames, S.ListData, S.Get, S.Find, S.Insert, S.Delete, AsyncDisposable {
  private constructor(private readonly db: Db, private readonly opts: LevelStoreOptions) {}

  /** Open (creating if needed) a LevelDB store in a directory. */
  static async open(dir: string, opts: LevelStoreOptions = {}): Promise<LevelStore> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
    try {
      await db.open();
    } catch (err: unknown) {
      throw new Error(`cannot open repo ${dir}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    return new LevelStore(db as unknown as Db, opts);
  }

  /** A store in memory, for simulations and tests. */
  static memory(): LevelStore {
    return new LevelStore(new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: "view", valueEncoding: "view" }) as unknown as Db, {});
  }

  /** A packet's stored TLV, undecoded: what its implicit digest is computed over. */
  getWire(name: Name): Promise<Uint8Array | undefined> {
    return this.db.get(name.value);
  }

  async get(name: Name): Promise<Data | undefined> {
    const wire = await this.db.get(name.value);
    return wire === undefined ? undefined : decodeData(wire);
  }

  /** The Data that satisfies an Interest: the exact name, or with CanBePrefix the first under it. */
  async find(interest: Interest): Promise<Data | undefined> {
    if (!interest.canBePrefix) {
      const data = await this.get(interest.name);
      return data && (!interest.mustBeFresh || data.freshnessPeriod > 0) ? data : undefined;
    }
    for await (const data of this.listData(interest.name)) {
      if (!interest.mustBeFresh || data.freshnessPeriod > 0) {
        return data;
      }
    }
    return undefined;
  }

  /** Names under a prefix, read from the keys alone. */
  async *listNames(prefix?: Name): AsyncIterable<Name> {
    for await (const key of this.db.keys(prefix ? prefixRange(prefix.value) : {})) {
      yield new Name(key);
    }
  }

  async *listData(prefix?: Name): AsyncIterable<Data> {
    for await (const wire of this.db.values(prefix ? prefixRange(prefix.value) : {})) {
      yield decodeData(wire);
    }
  }

  /** Insert packets in one atomic batch; resolves once the batch is written. */
  async insert(...args: S.Insert.Args<{}>): Promise<void> {
    const ops: PutOp[] = [];
    const put = (data: Data) => ops.push({ type: "put", key: data.name.value, value: encodeCompact(data) });
    if (args.every((a) => a instanceof Data)) {
      for (const data of args as readonly Data[]) {
        put(data); // the common case, without an async iterator per insert
      }
    } else {
      for await (const data of parseInsertArgs(args)) {
        put(data);
      }
    }
    if (ops.length > 0) {
      await this.write(ops);
    }
  }

  /**
   * Insert packets keyed by their full names (implicit digest included), in one batch: packets of
   * one name with different contents are all kept, side by side under that name. For evidence,
   * such as two blocks a ledger member signed for one position; `get` by the plain name does not
   * see them, `find` with CanBePrefix and `listData` do.
   */
  async insertVersions(...pkts: readonly Data[]): Promise<void> {
    const ops = await Promise.all(pkts.map(async (data) => ({ type: "put" as const, key: (await data.computeFullName()).value, value: encodeCompact(data) })));
    if (ops.length > 0) {
      await this.write(ops);
    }
  }

  async delete(...names: readonly Name[]): Promise<void> {
    await this.db.batch(names.map((n) => ({ type: "del" as const, key: n.value })));
  }

  /**
   * Copy every packet into `target` as stored, key and value, in batches of 1,000: without
   * decoding, and keeping the versions {@link insertVersions} stored side by side under one name.
   */
  async copyTo(target: LevelStore): Promise<void> {
    let ops: PutOp[] = [];
    for await (const [key, value] of this.db.iterator()) {
      ops.push({ type: "put", key, value });
      if (ops.length === 1000) {
        await target.write(ops);
        ops = [];
      }
    }
    if (ops.length > 0) {
      await target.write(ops);
    }
  }

  /** One atomic batch of puts, flushed to disk first if the store was opened with `sync`. */
  private write(ops: PutOp[]): Promise<void> {
    return this.db.batch(ops, { sync: this.opts.sync ?? false } as never);
  }

  /** Packets stored (a scan). */
  async count(prefix?: Name): Promise<number> {
    let n = 0;
    for await (const _ of this.db.keys(prefix ? prefixRange(prefix.value) : {})) {
      ++n;
    }
    return n;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.db.close();
  }
}

async function* parseInsertArgs(args: S.Insert.Args<{}>): AsyncIterable<Data> {
  for (const a of args) {
    if (a instanceof Data) {
      yield a;
    } else if (a && typeof a === "object" && (Symbol.asyncIterator in a || Symbol.iterator in a)) {
      yield* a as AsyncIterable<Data>;
    }
  }
}

function decodeData(wire: Uint8Array): Data {
  return new Decoder(wire).decode(Data);
}

/** The key range of every name under `prefix` (TLV-VALUE bytes): [prefix, next prefix). */
function prefixRange(prefix: Uint8Array): { gte: Uint8Array; lt?: Uint8Array } {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; --i) {
    if (end[i]! < 0xFF) {
      ++end[i]!;
      return { gte: prefix, lt: end.subarray(0, i + 1) };
    }
  }
  return { gte: prefix };
}
