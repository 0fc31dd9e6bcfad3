import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { consume } from "@ndn/endpoint";
import { Forwarder } from "@ndn/fw";
import { TcpTransport } from "@ndn/node-transport";
import { Data, Interest, Name } from "@ndn/packet";
import { expect, test } from "vitest";

import { TcpListener } from "../src/faces/mod.js";
import { LevelStore, RepoProducer } from "../src/repo/mod.js";

test("a TCP listener on loopback serves a repo; malformed frames are dropped and counted, the face lives on", async () => {
  await using store = LevelStore.memory();
  await store.insert(new Data("/lab/result/1", Uint8Array.of(42)));
  const server = Forwarder.create();
  using _p = new RepoProducer(server, store, [new Name("/lab")]);
  await using listener = await TcpListener.listen({ fw: server, port: 0 });

  // A peer that sends garbage first: the listener counts it, and keeps serving.
  const raw = connect(listener.port, "127.0.0.1");
  await new Promise((r) => raw.once("connect", r));
  raw.write(Uint8Array.of(0x05, 0x03, 0x07, 0x01, 0x08, 0x64, 0x02, 0x50, 0x01));
  await new Promise((r) => setTimeout(r, 100));
  raw.destroy();

  const client = Forwarder.create();
  const face = await TcpTransport.createFace({ fw: client, addRoutes: [new Name("/lab")] }, "127.0.0.1", listener.port);
  const data = await consume(new Interest("/lab/result/1"), { fw: client });
  expect([...data.content]).toEqual([42]);
  expect(listener.malformed).toBeGreaterThan(0);
  face.close();
  client.close();
  server.close();
});

test("iomt repo serve answers over TCP until stopped", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "iomt-serve-"));
  {
    await using store = await LevelStore.open(dir);
    await store.insert(new Data("/clinic/doc/1", Uint8Array.of(7)));
  }
  const child = spawn(process.execPath, ["bin/iomt.js", "repo", "serve", "--store", dir, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no port announced")), 15_000);
    child.stdout.on("data", (chunk: Buffer) => {
      const m = /serving 1 packets under \/clinic on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(chunk.toString());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const client = Forwarder.create();
  const face = await TcpTransport.createFace({ fw: client, addRoutes: [new Name("/clinic")] }, "127.0.0.1", port);
  expect([...(await consume(new Interest("/clinic/doc/1"), { fw: client })).content]).toEqual([7]);
  face.close();
  client.close();
  child.kill("SIGTERM");
  const code = await new Promise((r) => child.once("exit", (c) => r(c)));
  expect(code).toBe(0);
}, 30_000);
