import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { consume } from "@ndn/endpoint";
import { Forwarder } from "@ndn/fw";
import { Data, Interest, Name } from "@ndn/packet";
import { describe, expect, test } from "vitest";

import { LevelStore, RepoProducer } from "../src/repo/mod.js";

const stores: Array<[string, () => Promise<LevelStore>]> = [
  ["memory", async () => LevelStore.memory()],
  ["LevelDB", async () => LevelStore.open(await mkdtemp(path.join(tmpdir(), "iomt-repo-")))],
];

describe.each(stores)("%s store", (_kind, open) => {
  test("insert, get, find, list by prefix, delete", async () => {
    await using store = await open();
    const names = ["/a/1", "/a/2", "/a/2/x", "/ab", "/b"].map((n) => new Name(n));
    await store.insert(...names.map((n, i) => new Data(n, Data.FreshnessPeriod(i === 1 ? 0 : 1000), Uint8Array.of(i))));
    expect([...(await store.get(new Name("/a/2")))!.content]).toEqual([1]);
    expect(await store.get(new Name("/a/3"))).toBeUndefined();
    const under = async (p: string) => (await Array.fromAsync(store.listNames(new Name(p)))).map(String);
    expect(await under("/a")).toEqual(["/8=a/8=1", "/8=a/8=2", "/8=a/8=2/8=x"]); // not /ab: a prefix is whole components
    expect(await store.count()).toBe(5);
    expect((await store.find(new Interest("/a", Interest.CanBePrefix)))?.name.toString()).toBe("/8=a/8=1");
    expect(await store.find(new Interest("/a/2", Interest.MustBeFresh))).toBeUndefined(); // FreshnessPeriod 0
    expect(await store.find(new Interest("/a/1", Interest.MustBeFresh))).toBeDefined();
    await store.delete(new Name("/a/1"), new Name("/b"));
    expect(await store.count()).toBe(3);
    expect((await Array.fromAsync(store.listData())).map((d) => d.content[0])).toEqual([1, 2, 3]);
  });
});

test("copying a store keeps every packet as stored, versions of one name included", async () => {
  await using memory = LevelStore.memory();
  await memory.insert(...Array.from({ length: 2500 }, (_, i) => new Data(`/r/${i}`, Uint8Array.of(i % 256))));
  await memory.insertVersions(new Data("/v", Uint8Array.of(1)), new Data("/v", Uint8Array.of(2)));
  await using disk = await LevelStore.open(await mkdtemp(path.join(tmpdir(), "iomt-repo-")));
  await memory.copyTo(disk);
  expect(await disk.count()).toBe(2502);
  expect([...(await disk.get(new Name("/r/2499")))!.content]).toEqual([2499 % 256]);
  const versions = await Array.fromAsync(disk.listData(new Name("/v")));
  expect(versions.map((d) => d.content[0]).toSorted()).toEqual([1, 2]);
});

test("a repo producer answers many Interests at once from the store", async () => {
  await using store = LevelStore.memory();
  await store.insert(Array.from({ length: 200 }, (_, i) => new Data(`/r/${i}`, Uint8Array.of(i % 256))));
  const fw = Forwarder.create();
  using _p = new RepoProducer(fw, store, [new Name("/r")]);
  const got = await Promise.all(Array.from({ length: 200 }, (_, i) => consume(new Interest(`/r/${i}`), { fw })));
  expect(got.map((d) => d.content[0])).toEqual(Array.from({ length: 200 }, (_, i) => i % 256));
  await expect(consume(new Interest("/r/999", Interest.Lifetime(100)), { fw, retx: 0 })).rejects.toThrow();
  fw.close();
});

test("a process killed (SIGKILL) in the middle of inserts loses nothing it acknowledged", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "iomt-kill-"));
  // The writer acknowledges each batch on stdout once insert() resolves, and never stops by itself.
  const writer = `
    const { LevelStore } = await import(${JSON.stringify(path.resolve("dist/repo/mod.js"))});
    const { Data } = await import("@ndn/packet");
    const store = await LevelStore.open(${JSON.stringify(dir)});
    for (let batch = 0; ; ++batch) {
      await store.insert(Array.from({ length: 50 }, (_, i) => new Data("/k/" + batch + "/" + i, new Uint8Array(300))));
      process.stdout.write("ack " + batch + "\\n");
    }`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", writer], { stdio: ["ignore", "pipe", "inherit"] });
  let acked = -1;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the writer acknowledged nothing in 20 s")), 20_000);
    child.stdout.on("data", (chunk: Buffer) => {
      for (const m of chunk.toString().matchAll(/ack (\d+)/g)) {
        acked = Number(m[1]);
      }
      if (acked >= 40) {
        child.kill("SIGKILL");
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await new Promise((r) => child.once("exit", r));
  await using store = await LevelStore.open(dir);
  for (let batch = 0; batch <= acked; ++batch) {
    expect(await store.get(new Name(`/k/${batch}/49`)), `batch ${batch}`).toBeDefined();
    expect(await store.get(new Name(`/k/${batch}/0`)), `batch ${batch}`).toBeDefined();
  }
  // Batches are atomic: every batch in the store is whole.
  const perBatch = new Map<string, number>();
  for await (const name of store.listNames(new Name("/k"))) {
    perBatch.set(name.get(1)!.text, (perBatch.get(name.get(1)!.text) ?? 0) + 1);
  }
  expect([...perBatch.values()].every((n) => n === 50)).toBe(true);
}, 60_000);
