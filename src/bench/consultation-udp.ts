import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { percentile } from "../scenario/summary.js";
import { round2 } from "./measure.js";

export interface UdpReplicationOptions {
  /** The package's `bin/iomt.js`. */
  cli: string;
  /** How long doctors write, ms (the nodes then run 6 s more, for references to settle). */
  writeForMs: number;
  /** Each hospital's doctor writes a record this often, ms. @defaultValue 50 */
  writeEveryMs?: number;
  /** Loopback UDP ports from here on. @defaultValue 25000 */
  basePort?: number;
}

/**
 * The consultation ledger over real UDP: four hospital processes on loopback, each writing records,
 * committing every 250 ms. From each node's block trace (consultation-blocks.csv) and stats.json:
 * records committed per second in all, replication delay (committed at its hospital → joined the
 * last other copy), and UDP octets per record (everything the nodes sent: blocks, sync, certificates).
 */
export async function benchUdpReplication(opts: UdpReplicationOptions): Promise<Record<string, number | null>> {
  const H = ["h1", "h2", "h3", "h4"];
  const dir = await mkdtemp(path.join(tmpdir(), "iomt-bench-udp-"));
  const port = (i: number) => (opts.basePort ?? 25_000) + i;
  const configs = H.map((h) => path.join(dir, `${h}.json`));
  await Promise.all(H.map((h, i) => writeFile(configs[i]!, JSON.stringify({
    name: h, role: "hospital", dataDir: path.join(dir, h), consortium: "iomt", members: H,
    anchors: H.filter((x) => x !== h).map((x) => path.join(dir, x, "anchor.cert")),
    udpListen: port(i),
    udpPeers: H.flatMap((x, j) => j === i ? [] : [{ remote: `127.0.0.1:${port(j)}`, routes: [`/${x}`, `/iomt/consultation/${x}`, "/iomt/consultation"] }]),
    writeEveryMs: opts.writeEveryMs ?? 50, writeForMs: opts.writeForMs, commitEveryMs: 250,
  }))));
  const iomt = (...args: string[]) => promisify(execFile)(process.execPath, [opts.cli, ...args], { timeout: 60_000 });
  try {
    await Promise.all(configs.map((c) => iomt("node", "init", "--config", c)));
    const nodes = configs.map((c) => spawn(process.execPath, [opts.cli, "node", "--config", c], { stdio: "ignore" }));
    await new Promise((r) => setTimeout(r, opts.writeForMs + 6000));
    for (const n of nodes) {
      n.kill("SIGTERM");
    }
    await Promise.all(nodes.map((n) => new Promise((r) => n.exitCode !== null ? r(undefined) : n.once("exit", r))));

    // block → its commit time, and when it joined each copy
    const blocks = new Map<string, { author: string; records: number; committed: number; joined: Map<string, number> }>();
    let udpBytes = 0;
    for (const h of H) {
      const lines = (await readFile(path.join(dir, h, "consultation-blocks.csv"), "utf8")).trim().split("\n").slice(1);
      for (const line of lines) {
        const [name, author, , records, committed, joined] = line.split(",");
        const b = blocks.get(name!) ?? { author: author!, records: Number(records), committed: Number(committed), joined: new Map() };
        b.joined.set(h, Number(joined));
        blocks.set(name!, b);
      }
      const stats = JSON.parse(await readFile(path.join(dir, h, "stats.json"), "utf8")) as { udp: { txBytes: number } };
      udpBytes += stats.udp.txBytes;
    }
    const records = [...blocks.values()].reduce((n, b) => n + b.records, 0);
    const delays = [...blocks.values()].filter((b) => b.joined.size === H.length)
      .map((b) => Math.max(...b.joined.values()) - b.committed).sort((a, b) => a - b);
    return {
      records,
      recordsPerSecond: Math.round(records / (opts.writeForMs / 1000)),
      blocks: blocks.size,
      blocksAtEveryHospital: delays.length,
      replicationP50Ms: percentile(delays, 0.5),
      replicationP95Ms: percentile(delays, 0.95),
      replicationP99Ms: percentile(delays, 0.99),
      udpBytesPerRecord: records === 0 ? null : Math.round(udpBytes / records),
      udpBytesPerBlock: blocks.size === 0 ? null : Math.round(udpBytes / blocks.size),
      blocksPerSecondPerHospital: round2(blocks.size / H.length / ((opts.writeForMs + 6000) / 1000)),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
