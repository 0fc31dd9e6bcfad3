import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { expect, test } from "vitest";

const H = ["h1", "h2", "h3", "h4"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iomt = (...args: string[]) => promisify(execFile)(process.execPath, ["bin/iomt.js", ...args], { timeout: 60_000 });
const routesTo = (h: string) => [`/${h}`, `/iomt/consultation/${h}`, "/iomt/consultation"];

/** Node processes on loopback, from configs written to a fresh folder. */
class Cluster {
  readonly configs = new Map<string, string>();
  private readonly running = new Map<string, ChildProcess>();

  private constructor(readonly dir: string) {}

  static async create(): Promise<Cluster> {
    return new Cluster(await mkdtemp(path.join(tmpdir(), "iomt-mp-")));
  }

  data(node: string): string {
    return path.join(this.dir, node);
  }

  async configure(node: string, config: Record<string, unknown>): Promise<void> {
    const file = path.join(this.dir, `${node}.json`);
    await writeFile(file, JSON.stringify({ name: node, dataDir: this.data(node), ...config }));
    this.configs.set(node, file);
  }

  /** A hospital of the consortium H, with UDP peers (other hospitals, or anything else). */
  hospital(h: string, udpListen: number, udpPeers: unknown[], extra: Record<string, unknown> = {}): Promise<void> {
    return this.configure(h, {
      role: "hospital", consortium: "iomt", members: H, anchors: H.filter((x) => x !== h).map((x) => path.join(this.data(x), "anchor.cert")),
      udpListen, udpPeers, writeEveryMs: 400, writeForMs: 5000, commitEveryMs: 500, ...extra,
    });
  }

  start(node: string): void {
    this.running.set(node, spawn(process.execPath, ["bin/iomt.js", "node", "--config", this.configs.get(node)!], { stdio: ["ignore", "pipe", "inherit"] }));
  }

  async kill(node: string): Promise<void> {
    const p = this.running.get(node)!;
    p.kill("SIGKILL");
    await new Promise((r) => p.exitCode !== null || p.signalCode !== null ? r(undefined) : p.once("exit", r));
  }

  /**
   * Wait until the hospitals listening on these TCP ports show the same confirmed order twice in a
   * row, one second apart, after at least `minMs` (writing must be over); fail after `maxMs`.
   */
  async awaitAgreement(hospitals: [string, number][], minMs: number, maxMs: number): Promise<void> {
    const started = Date.now();
    await sleep(minMs);
    let last = "";
    let lists: string[] = [];
    while (Date.now() - started < maxMs) {
      lists = await Promise.all(hospitals.map(([h, p]) => iomt("consult", "list", "--node", `127.0.0.1:${p}`, "--hospital", h)
        .then(({ stdout }) => stdout, () => "unreachable")));
      const agreed = lists.every((l) => l === lists[0]) && lists[0] !== "unreachable" ? lists[0]! : "";
      if (agreed && agreed === last) {
        return;
      }
      last = agreed;
      await sleep(1000);
    }
    const seen = hospitals.map(([h], i) => `${h}: ${lists[i]?.trim().split("\n").length} blocks, last ${lists[i]?.trim().split("\n").at(-1)?.slice(0, 60)}`);
    throw new Error(`hospitals did not agree on one confirmed order within ${maxMs / 1000} s: ${seen.join("; ")}`);
  }

  /**
   * Stop every node: hospitals and routers first, then homes. A home commits its last readings in a
   * last block as it stops; a hospital still running would fetch that block and find the home gone
   * before its readings came, leaving its replica a block short of readings until the home is back.
   */
  async stopAll(): Promise<void> {
    const homes = [...this.running].filter(([n]) => n.startsWith("home"));
    await this.stop([...this.running].filter(([n]) => !n.startsWith("home")).map(([, p]) => p));
    await this.stop(homes.map(([, p]) => p));
  }

  private async stop(nodes: ChildProcess[]): Promise<void> {
    for (const p of nodes) {
      p.kill("SIGTERM");
    }
    await Promise.all(nodes.map((p) => p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => p.once("exit", r))));
  }

  /** `iomt consult verify` of a hospital's repo: its confirmed order, and the summary line. */
  async consultation(h: string): Promise<{ order: string; summary: string; equivocations: string[] }> {
    const { stdout } = await iomt("consult", "verify", "--store", path.join(this.data(h), "repo"), "--consortium", "iomt", "--members", H.join(","),
      "--anchors", ...H.map((x) => path.join(this.data(x), "anchor.cert")));
    const lines = stdout.trim().split("\n");
    return {
      order: lines.filter((l) => l.startsWith("confirmed ")).join("\n"),
      summary: lines.at(-1)!,
      equivocations: lines.filter((l) => l.startsWith("equivocation ")),
    };
  }
}

const peer = (port: number, routes: string[]) => ({ remote: `127.0.0.1:${port}`, routes });

test("4 hospitals, 2 home gateways and a router as processes on loopback: the consultation ledger converges; patients' ledgers reach their hospitals; a hospital and a home killed and restarted catch up", async () => {
  const c = await Cluster.create();
  const port = (i: number) => 24_000 + i;
  const [home1, router, routerTcp] = [port(10), port(11), port(12)];
  for (const [i, h] of H.entries()) {
    const peers = H.flatMap((x, j) => (j === i ? [] : [peer(port(j), routesTo(x))]));
    // home1 is h1's UDP peer; home2 sits behind a router, which is h2's UDP peer.
    const homes = { h1: [peer(home1, ["/h1/patient/alice"])], h2: [peer(router, ["/h2/patient/bob"])] }[h] ?? [];
    await c.hospital(h, port(i), [...peers, ...homes], { patients: { h1: ["alice"], h2: ["bob"] }[h] ?? [], tcpListen: port(13 + i) });
  }
  const patient = (pid: string) => ({ pid, streams: ["heart-rate", "spo2"], rateHz: 5 });
  await c.configure("home1", {
    role: "home", hospital: "h1", patients: [patient("alice")], ledgerEveryReadings: 20, ledgerEveryMs: 1000,
    udpListen: home1, udpPeers: [peer(port(0), ["/h1"])],
  });
  await c.configure("r1", { role: "router", udpListen: router, udpPeers: [peer(port(1), ["/h2"])], tcpListen: routerTcp });
  // home2 registers its patient's prefix at the router over TCP, as it would with a local NFD.
  await c.configure("home2", {
    role: "home", hospital: "h2", patients: [patient("bob")], ledgerEveryReadings: 20, ledgerEveryMs: 1000,
    nfd: { tcp: `127.0.0.1:${routerTcp}`, routes: ["/h2"] },
  });
  await Promise.all(H.map((h) => iomt("node", "init", "--config", c.configs.get(h)!)));
  await iomt("node", "init", "--config", c.configs.get("home1")!, "--issuer", c.data("h1"));
  await iomt("node", "init", "--config", c.configs.get("home2")!, "--issuer", c.data("h2"));

  for (const n of ["r1", ...H, "home1", "home2"]) {
    c.start(n);
  }
  try {
    await sleep(2500);
    await c.kill("h4"); // a hospital dies mid-run...
    await c.kill("home1"); // ...and a home gateway
    await sleep(1000);
    c.start("h4"); // both come back, resuming from their repos
    c.start("home1");
    // Writing stops 5 s after each start; references follow until all is confirmed, then all is
    // quiet. The patients' ledgers, a block every 2 s, reach their hospitals within that time too.
    await c.awaitAgreement(H.map((h, i) => [h, port(13 + i)]), 12_000, 60_000);
  } finally {
    await c.stopAll();
  }
  const views = await Promise.all(H.map((h) => c.consultation(h)));
  expect(views[0]!.order.split("\n").length).toBeGreaterThan(20);
  for (const v of views) {
    expect(v.summary).toMatch(/0 equivocations, 0 rejected$/);
    expect(v.order).toBe(views[0]!.order);
  }
  // Every hospital's blocks are in the confirmed order; h4's go on after its restart: committing
  // every 0.5 s, it could not have made more than 6 blocks in the 2.5 s before it was killed.
  for (const h of H) {
    expect(views[0]!.order).toContain(`/iomt/consultation/${h}/seq=`);
  }
  const h4Heights = [...views[0]!.order.matchAll(/\/iomt\/consultation\/h4\/seq=(\d+)/g)].map((m) => Number(m[1]));
  expect(Math.max(...h4Heights)).toBeGreaterThan(8);

  // Each patient's ledger, at the home and at the hospital, verifies whole; home1's chain goes on
  // across its restart (a block every 20 readings of 2 streams at 5 Hz: about one per 2 s).
  for (const [h, pid, home] of [["h1", "alice", "home1"], ["h2", "bob", "home2"]] as const) {
    for (const store of [path.join(c.data(h), "repo"), path.join(c.data(home), "repo")]) {
      const { stdout } = await iomt("ledger", "verify", "--store", store, "--patient", `/${h}/patient/${pid}`, "--anchor", path.join(c.data(h), "anchor.cert"))
        .catch((err: { stdout: string; stderr: string }) => ({ stdout: `${err.stdout}${err.stderr}` })); // shown if it fails
      const m = /ledger \S+: (\d+) blocks, (\d+) readings committed: OK/.exec(stdout);
      expect(m, stdout).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(5);
      expect(Number(m![2])).toBeGreaterThan(50);
    }
  }
}, 120_000);

test("a Byzantine hospital showing two forks of its chain to two parts of the consortium is caught; the honest hospitals still confirm", async () => {
  const c = await Cluster.create();
  const port = (i: number) => 24_300 + i;
  const fork = port(4);
  // h4 shows its chain to h1 and h2, and a fork of it (same keys, other blocks) to h3.
  for (const [i, h] of H.slice(0, 3).entries()) {
    const peers = H.slice(0, 3).flatMap((x, j) => (j === i ? [] : [peer(port(j), routesTo(x))]));
    await c.hospital(h, port(i), [...peers, peer(h === "h3" ? fork : port(3), routesTo("h4"))], { tcpListen: port(5 + i) });
  }
  await c.hospital("h4", port(3), [peer(port(0), routesTo("h1")), peer(port(1), routesTo("h2"))], {
    fork: { udpListen: fork, udpPeers: [peer(port(2), routesTo("h3"))] },
  });
  await Promise.all(H.map((h) => iomt("node", "init", "--config", c.configs.get(h)!)));
  for (const h of H) {
    c.start(h);
  }
  try {
    await c.awaitAgreement(["h1", "h2", "h3"].map((h, i) => [h, port(5 + i)]), 8000, 60_000);
  } finally {
    await c.stopAll();
  }
  const honest = await Promise.all(["h1", "h2", "h3"].map((h) => c.consultation(h)));
  for (const v of honest) {
    expect(v.equivocations.length, v.summary).toBeGreaterThan(0);
    expect(v.equivocations.every((e) => e.startsWith("equivocation by h4 at height "))).toBe(true);
    expect(v.summary).toMatch(/ 0 rejected$/);
    expect(v.order).toBe(honest[0]!.order);
  }
  for (const h of ["h1", "h2", "h3"]) {
    expect(honest[0]!.order.match(new RegExp(`/iomt/consultation/${h}/seq=`, "g"))?.length ?? 0).toBeGreaterThan(5);
  }
}, 120_000);
