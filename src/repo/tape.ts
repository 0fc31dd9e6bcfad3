import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";

import { Data } from "@ndn/packet";
import { DataTape } from "@ndn/repo-api";
import { Decoder } from "@ndn/tlv";

import type { LevelStore } from "./level-store.js";

/** Write every packet of a store to a file as concatenated Data TLV (@ndn/repo-api's DataTape format). */
export async function exportStore(store: LevelStore, file: string): Promise<number> {
  let n = 0;
  const tape = new DataTape(createWriteStream(file));
  try {
    await tape.insert((async function* () {
      for await (const data of store.listData()) {
        ++n;
        yield data;
      }
    })());
  } finally {
    await tape[Symbol.asyncDispose]();
  }
  return n;
}

export interface ImportResult {
  imported: number;
  /** Where the file stopped being valid Data TLV, if it did. */
  error?: { offset: number; message: string };
}

/**
 * Read concatenated Data TLV into a store. Packets before a malformed one are kept (inserted in
 * batches); the result says at which octet the file went wrong and why.
 */
export async function importTape(store: LevelStore, file: string, batchSize = 1000): Promise<ImportResult> {
  const bytes = await readFile(file);
  const decoder = new Decoder(bytes);
  let batch: Data[] = [];
  let imported = 0;
  let error: ImportResult["error"];
  let next = 0;
  while (!decoder.eof) {
    const offset = next;
    try {
      const tlv = decoder.read();
      next += tlv.tlv.length;
      if (tlv.type !== 0x06) {
        throw new Error(`a TLV of type ${tlv.type} where a Data packet (type 6) was expected`);
      }
      batch.push(new Decoder(tlv.tlv).decode(Data));
    } catch (err: unknown) {
      error = { offset, message: (err as Error).message };
      break;
    }
    if (batch.length >= batchSize) {
      await store.insert(batch);
      imported += batch.length;
      batch = [];
    }
  }
  await store.insert(batch);
  imported += batch.length;
  return error ? { imported, error } : { imported };
}
