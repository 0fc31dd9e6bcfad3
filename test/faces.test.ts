import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { consume, produce } from "@ndn/endpoint";
import { invoke } from "@ndn/nfdmgmt";
import { Forwarder } from "@ndn/fw";
import { TcpTransport } from "@ndn/node-transport";
import { Data, Interest, Name } from "@ndn/packet";
import { expect, test } from "vitest";

import { LocalRib, NfdFace, StreamListener, tcpPeer, UdpPeers } from "../src/faces/mod.js";
import { NodeForwarder } from "../src/node/mod.js";
import { LevelStore, RepoProducer } from "../src/repo/mod.js";

test("a TCP listener on loopback serves a repo; malformed frames are dropped and counted, the face lives on", async () => {
  await using store = LevelStore.memory();
  await store.insert(new Data("/lab/result/1", Uint8Array.of(42)));
  const server = Forwarder.create();
  using _p = new RepoProducer(server, store, [new Name("/lab")]);
  await using listener = await StreamListener.listen({ fw: server, port: 0 });

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

test("a TCP peer connects once the other side is up, and again after it restarts", async () => {
  const server = Forwarder.create();
  using _p = new RepoProducer(server, LevelStore.memory(), []);
  const port = 24_500;
  const client = Forwarder.create();
  using peer = tcpPeer({ fw: client, host: "127.0.0.1", port, routes: [new Name("/lab")], minRetryMs: 50, maxRetryMs: 200 });
  await new Promise((r) => setTimeout(r, 300)); // nobody listens yet: it keeps trying
  expect(peer.connected).toBe(false);
  const serve = (n: number) => produce("/lab", async (i) => new Data(i.name, Uint8Array.of(n)), { fw: server });
  for (const round of [1, 2]) {
    const p = serve(round);
    const listener = await StreamListener.listen({ fw: server, port });
    const data = await retryConsume(client, new Interest(`/lab/${round}`, Interest.Lifetime(500)));
    expect([...data.content]).toEqual([round]);
    await listener[Symbol.asyncDispose](); // the server goes away; the peer reconnects when it is back
    p.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(peer.connected).toBe(false);
  }
  expect(peer.connections).toBe(2);
  client.close();
  server.close();
});

test.each(["tcp", "unix"] as const)("a node registers its prefixes with a local forwarder speaking NFD's rib management (%s)", async (kind) => {
  // The "NFD" is our own listener's LocalRib: the same commands, the same replies.
  const nfd = Forwarder.create();
  const socket = path.join(await mkdtemp(path.join(tmpdir(), "iomt-nfd-")), "nfd.sock");
  const port = kind === "tcp" ? 24_501 : 0;
  const node = Forwarder.create();
  using _p = produce("/h1/service", async (i) => new Data(i.name, Uint8Array.of(9)), { fw: node, announcement: false });
  // The node starts first: its face to "NFD" connects once NFD is there.
  using _nfdFace = new NfdFace({
    fw: node, ...(kind === "tcp" ? { tcp: { host: "127.0.0.1", port } } : { unix: socket }),
    register: [new Name("/h1/service")], routes: [],
  });
  await new Promise((r) => setTimeout(r, 300));
  // Both kinds of listener on the one forwarder, sharing its rib service, as a node runs them.
  using rib = new LocalRib(nfd);
  await using _tcp = await StreamListener.listen({ fw: nfd, port: kind === "tcp" ? port : 0, localRib: rib });
  await using _unix = await StreamListener.listen({ fw: nfd, path: socket, localRib: rib });
  // An application at the "NFD" reaches the node through the registered route.
  const data = await retryConsume(nfd, new Interest("/h1/service/x", Interest.Lifetime(500)));
  expect([...data.content]).toEqual([9]);
  // A command it does not implement is refused with NFD's status code, not dropped.
  const response = await invoke("strategy-choice/set", { name: new Name("/h1"), strategy: new Name("/localhost/nfd/strategy/multicast") }, { cOpts: { fw: node } });
  expect(response.statusCode).toBe(501);
  node.close();
  nfd.close();
});

/** Consume, again while the route or face is still coming up. */
async function retryConsume(fw: Forwarder, interest: Interest): Promise<Data> {
  for (let i = 0; ; ++i) {
    try {
      return await consume(interest, { fw, retx: 0 });
    } catch (err: unknown) {
      if (i === 20) {
        throw err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test("UDP peers are a node layer's network faces: a retransmission crosses both hops, not taken for a loop", async () => {
  // Three nodes in a row over UDP on loopback; the producer lets the first Interest go unanswered.
  const nodes = [0, 1, 2].map(() => new NodeForwarder({ csCapacity: 0 }));
  const ports = [24600, 24601, 24602];
  const udp = await Promise.all(nodes.map((n, i) => UdpPeers.bind(n, ports[i]!)));
  udp[0]!.add("127.0.0.1", ports[1]!, [new Name("/p")]);
  udp[1]!.add("127.0.0.1", ports[0]!, []);
  udp[1]!.add("127.0.0.1", ports[2]!, [new Name("/p")]);
  udp[2]!.add("127.0.0.1", ports[1]!, []);
  const nonces: number[] = [];
  const p = produce("/p", async (i) => (nonces.push(i.nonce!), nonces.length === 1 ? undefined : new Data(i.name)), { fw: nodes[2]!.fw });
  const ask = () => consume(new Interest("/p/x", Interest.Lifetime(1000)), { fw: nodes[0]!.fw, retx: 0 }).then(() => true, () => false);
  const first = ask();
  await new Promise((r) => setTimeout(r, 100));
  expect(await ask()).toBe(true);
  expect(await first).toBe(true);
  expect(nonces).toHaveLength(2);
  expect(nodes.map((n) => n.counters.loops)).toEqual([0, 0, 0]);
  p.close();
  for (const u of udp) {
    await u[Symbol.asyncDispose]();
  }
  for (const n of nodes) {
    n.close();
  }
});

test("a TCP peer that drops every connection at once is backed off from, not reconnected to in a loop", async () => {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const fw = Forwarder.create();
  const peer = tcpPeer({ fw, host: "127.0.0.1", port, routes: [], minRetryMs: 50, maxRetryMs: 1000 });
  await new Promise((r) => setTimeout(r, 1200));
  peer[Symbol.dispose]();
  // Waits of 50, 100, 200, 400 ms: five connections at most in 1.2 s (a loop would make hundreds).
  expect(peer.connections).toBeGreaterThanOrEqual(3);
  expect(peer.connections).toBeLessThanOrEqual(5);
  fw.close();
  await new Promise((r) => server.close(r));
});
