import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { expect, test } from "vitest";

const H = ["k1", "k2", "k3"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iomt = async (...args: string[]) => {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["bin/iomt.js", ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr: "" };
  } catch (err: unknown) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

test("iomt consult add, list and show through running nodes", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "iomt-consult-"));
  const udp = (i: number) => 24_100 + i;
  const tcp = (i: number) => 24_200 + i;
  const configs = H.map((h) => path.join(dir, `${h}.json`));
  await Promise.all(H.map((h, i) => writeFile(configs[i]!, JSON.stringify({
    name: h, role: "hospital", dataDir: path.join(dir, h), consortium: "iomt", members: H,
    anchors: H.filter((x) => x !== h).map((x) => path.join(dir, x, "anchor.cert")),
    udpListen: udp(i), tcpListen: tcp(i),
    udpPeers: H.flatMap((x, j) => (j === i ? [] : [{ remote: `127.0.0.1:${udp(j)}`, routes: [`/${x}`, `/iomt/consultation/${x}`, "/iomt/consultation"] }])),
    commitEveryMs: 300,
  }))));
  await Promise.all(configs.map((c) => iomt("node", "init", "--config", c)));
  const nodes: ChildProcess[] = configs.map((c) => spawn(process.execPath, ["bin/iomt.js", "node", "--config", c], { stdio: "ignore" }));
  try {
    await sleep(2000);
    const add = await iomt("consult", "add", "--node", `127.0.0.1:${tcp(0)}`, "--hospital", "k1", "--data", path.join(dir, "k1"),
      "--kind", "diagnosis", "--patient", "/k1/patient/alice", "--text", "Sepsis", "--code", "http://snomed.info/sct|91302008");
    expect(add.code, add.stderr).toBe(0);
    const recordName = /queued (\S+)/.exec(add.stdout)![1]!;
    expect(recordName).toMatch(/^\/iomt\/consultation\/k1\/record\/doctor1\/seq=\d+$/);
    // k1's data directory holds no key of k2's staff: nobody can write in k2's name from it.
    const impostor = await iomt("consult", "add", "--node", `127.0.0.1:${tcp(1)}`, "--hospital", "k2", "--data", path.join(dir, "k1"),
      "--patient", "/k2/patient/bob", "--text", "in someone else's name");
    expect(impostor.code).toBe(2);
    expect(impostor.stderr).toMatch(/no key with a valid certificate for \/k2\/staff\/doctor1/);
    // Committed at k1, replicated, confirmed: k3 lists it (soon), and shows it.
    let list = { stdout: "" };
    for (const deadline = Date.now() + 30_000; !list.stdout.includes(recordName) && Date.now() < deadline;) {
      await sleep(500);
      list = await iomt("consult", "list", "--node", `127.0.0.1:${tcp(2)}`, "--hospital", "k3");
    }
    expect(list.stdout).toContain(recordName);
    const show = await iomt("consult", "show", "--node", `127.0.0.1:${tcp(2)}`, "--hospital", "k3", "--record", recordName);
    expect(JSON.parse(show.stdout)).toMatchObject({ resourceType: "Condition", code: { coding: [{ code: "91302008" }], text: "Sepsis" } });
    const missing = await iomt("consult", "show", "--node", `127.0.0.1:${tcp(2)}`, "--hospital", "k3", "--record", "/iomt/consultation/k1/record/doctor1/seq=1");
    expect(missing.stderr).toMatch(/no record .* in the ledger/);
  } finally {
    for (const n of nodes) {
      n.kill("SIGTERM");
    }
    await Promise.all(nodes.map((n) => (n.exitCode !== null ? undefined : new Promise((r) => n.once("exit", r)))));
  }
}, 90_000);
