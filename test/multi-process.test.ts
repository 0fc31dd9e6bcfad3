import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { expect, test } from "vitest";

const H = ["h1", "h2", "h3", "h4"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iomt = (...args: string[]) => promisify(execFile)(process.execPath, ["bin/iomt.js", ...args], { timeout: 60_000 });

/** UDP port of node i, on loopback. */
const port = (i: number) => 24_000 + i;

test("four hospital processes over UDP on loopback converge on one confirmed order; one killed and restarted catches up", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "iomt-mp-"));
  const configs = H.map((h, i) => path.join(dir, `${h}.json`));
  await Promise.all(H.map((h, i) => writeFile(configs[i]!, JSON.stringify({
    name: h, role: "hospital", dataDir: path.join(dir, h), consortium: "iomt", members: H,
    anchors: H.filter((x) => x !== h).map((x) => path.join(dir, x, "anchor.cert")),
    udpListen: port(i),
    udpPeers: H.flatMap((x, j) => (j === i ? [] : [{
      remote: `127.0.0.1:${port(j)}`, routes: [`/${x}`, `/iomt/consultation/${x}`, "/iomt/consultation"],
    }])),
    writeEveryMs: 400, writeForMs: 5000, commitEveryMs: 500,
  }))));
  await Promise.all(configs.map((c) => iomt("node", "init", "--config", c)));

  const start = (i: number): ChildProcess => spawn(process.execPath, ["bin/iomt.js", "node", "--config", configs[i]!], { stdio: ["ignore", "pipe", "inherit"] });
  const nodes = H.map((_, i) => start(i));
  try {
    await sleep(2500);
    nodes[3]!.kill("SIGKILL"); // h4 dies mid-run...
    await new Promise((r) => nodes[3]!.once("exit", r));
    await sleep(1000);
    nodes[3] = start(3); // ...and comes back, resuming from its repo
    await sleep(12_000); // writing stops 5 s after each start; then only references flow, until all agree
  } finally {
    for (const n of nodes) {
      n.kill("SIGTERM");
    }
    await Promise.all(nodes.map((n) => n.exitCode !== null ? undefined : new Promise((r) => n.once("exit", r))));
  }
  const orders: string[] = [];
  for (const h of H) {
    const { stdout } = await iomt("consult", "verify", "--store", path.join(dir, h, "repo"), "--consortium", "iomt", "--members", H.join(","),
      "--anchors", ...H.map((x) => path.join(dir, x, "anchor.cert")));
    expect(stdout).toMatch(/0 equivocations, 0 rejected$/m);
    orders.push(stdout.split("\n").filter((l) => l.startsWith("confirmed ")).join("\n"));
  }
  expect(orders[0]!.split("\n").length).toBeGreaterThan(20);
  for (const o of orders) {
    expect(o).toBe(orders[0]);
  }
  // Every hospital's blocks are in the confirmed order; h4's go on after its restart: committing
  // every 0.5 s, it could not have made more than 6 blocks in the 2.5 s before it was killed.
  for (const h of H) {
    expect(orders[0]).toContain(`/iomt/consultation/${h}/seq=`);
  }
  const h4Heights = [...orders[0]!.matchAll(/\/iomt\/consultation\/h4\/seq=(\d+)/g)].map((m) => Number(m[1]));
  expect(Math.max(...h4Heights)).toBeGreaterThan(8);
}, 90_000);
