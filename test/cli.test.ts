import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { describe, expect, test } from "vitest";

// The CLI runs from dist/: `npm test` builds it first.
const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["bin/iomt.js", ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe("iomt CLI", () => {
  test("--help lists the subcommands", async () => {
    const { code, stdout } = await run("--help");
    expect(code).toBe(0);
    for (const cmd of ["simulate", "topology", "name", "news2"]) {
      expect(stdout).toContain(cmd);
    }
    expect((await run("simulate", "--help")).stdout).toMatch(/--topology.*--duration.*--seed.*--out/s);
  });

  test("a malformed topology: an error naming file and line, exit status 2", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "iomt-cli-"));
    const file = path.join(dir, "bad.conf");
    await writeFile(file, "[nodes]\nh: _ role=hospital\nx: _ role=home sensors=heart-rate,glucose\n");
    const { code, stderr } = await run("simulate", "--topology", file, "--duration", "1s", "--out", dir);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`iomt: ${file}:3: unknown sensor stream "glucose" (expected heart-rate, spo2, body-temperature, blood-pressure, respiration-rate, fall, or all)`);
  });

  test("unknown patient, device component or stream in a name: a clear error", async () => {
    const bad = await run("name", "/stmary/patient/alice/device/pulse-oximeter/glucose/seq=1");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/component 5 \(glucose\) is not a known stream/);
    const ok = await run("name", "/stmary/patient/alice/device/pulse-oximeter/spo2/seq=1");
    expect(JSON.parse(ok.stdout)).toEqual({ kind: "reading", hospital: "stmary", pid: "alice", did: "pulse-oximeter", stream: "spo2", seq: 1 });
  });

  test("checked against a topology: unknown patient, device or stream", async () => {
    const t = ["--topology", "topologies/home-hospital.conf"];
    const patient = await run("name", ...t, "/stmary/patient/zoe");
    expect(patient.code).toBe(2);
    expect(patient.stderr.trim()).toBe("iomt: unknown patient zoe at stmary: its patients are alice, bob, carol, dave");
    const device = await run("name", ...t, "/stmary/patient/alice/device/wristband/heart-rate/seq=0");
    expect(device.stderr).toMatch(/unknown device wristband of patient alice .*: the patient wears pulse-oximeter, thermometer, bp-monitor, chest-patch/);
    const stream = await run("name", ...t, "/stmary/patient/alice/device/thermometer/spo2");
    expect(stream.stderr).toMatch(/device thermometer of patient alice has no stream spo2 \(it has body-temperature\)/);
    const hospital = await run("name", ...t, "/elsewhere/patient/alice");
    expect(hospital.stderr).toMatch(/unknown hospital elsewhere in \/elsewhere\/patient\/alice: .* has stmary/);
    expect((await run("name", ...t, "/stmary/patient/alice/device/thermometer/body-temperature/seq=4")).code).toBe(0);
  });

  test("bad option values are refused", async () => {
    const { code, stderr } = await run("simulate", "--duration", "forever");
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/invalid duration "forever"/);
  });

  test("news2 refuses a value that is not a number", async () => {
    const { code, stderr } = await run("news2", "--rr", "abc", "--spo2", "90", "--sbp", "88", "--hr", "125", "--temp", "39.3");
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/"abc" is not a non-negative number/);
  });

  test("news2 scores from the command line", async () => {
    const { stdout } = await run("news2", "--rr", "26", "--spo2", "90", "--sbp", "88", "--hr", "125", "--temp", "39.3");
    expect(stdout).toMatch(/^NEWS2 13 \(high\)/);
  });

  test("simulate writes summary.json and a FHIR bundle to --out", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "iomt-sim-"));
    const { code, stdout } = await run("simulate", "--topology", "test/fixtures/two-homes.conf", "--duration", "5s", "--out", dir, "--quiet");
    expect(code).toBe(0);
    expect(stdout).toMatch(/Readings: \d+ published, \d+ verified, 3 rejected/);
    const summary = JSON.parse(await readFile(path.join(dir, "summary.json"), "utf8"));
    expect(summary.readings).toMatchObject({ rejected: 3 });
    expect(summary.patients[0]).toHaveProperty("news2");
    const bundle = JSON.parse(await readFile(path.join(dir, "observations.fhir.json"), "utf8"));
    expect(bundle.resourceType).toBe("Bundle");
    expect(bundle.entry.length).toBeGreaterThan(0);
  });
});

describe("Node version guard", () => {
  test("an older Node gets one clear line", async () => {
    // @ts-expect-error plain JavaScript module without types
    const { nodeVersionProblem } = await import("../bin/node-version.js") as { nodeVersionProblem: (v: string) => string | undefined };
    expect(nodeVersionProblem("20.20.2")).toBe(
      "ndn-iomt needs Node.js >= 22.11 (the @ndn packages require it); this is Node 20.20.2. Install Node 22 (see .nvmrc), e.g. with nvm: nvm install 22");
    expect(nodeVersionProblem("22.10.0")).toMatch(/needs Node.js >= 22.11/);
    expect(nodeVersionProblem("22.11.0")).toBeUndefined();
    expect(nodeVersionProblem("24.1.0")).toBeUndefined();
  });
  test("the machine's own old Node, if it has one, is refused with that line", async () => {
    const old = "/usr/bin/node";
    const version = await promisify(execFile)(old, ["--version"]).then((r) => r.stdout.trim(), () => undefined);
    if (!version || Number(version.slice(1).split(".")[0]) >= 22) {
      return; // no older Node here to try
    }
    const r = await promisify(execFile)(old, ["bin/iomt.js", "--help"]).then(() => ({ code: 0, stderr: "" }), (e: { code: number; stderr: string }) => e);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/needs Node.js >= 22.11/);
  });
});

describe("iomt ledger and repo on the stores a simulation leaves", () => {
  test("verify passes on both replicas, and fails after tampering, naming where", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "iomt-sim-ledger-"));
    expect((await run("simulate", "--topology", "test/fixtures/two-homes.conf", "--duration", "150s", "--out", dir, "--quiet")).code).toBe(0);
    const summary = JSON.parse(await readFile(path.join(dir, "summary.json"), "utf8"));
    const ann = summary.patients.find((p: { id: string }) => p.id === "ann");
    expect(ann.ledger.blocks).toBeGreaterThanOrEqual(4);
    expect(summary.repos.map((r: { node: string }) => r.node).sort()).toEqual(["h", "home1", "home2"]);
    expect(summary.commitLatencyMs.p50).toBeGreaterThan(0);
    for (const node of ["h", "home1"]) {
      const ok = await run("ledger", "verify", "--store", path.join(dir, "nodes", node, "repo"), "--patient", "/h/patient/ann");
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/ledger \/h\/patient\/ann: \d+ blocks, \d+ readings committed: OK/);
    }
    const show = await run("ledger", "show", "--store", path.join(dir, "nodes", "h", "repo"), "--patient", "/h/patient/ann");
    expect(show.stdout).toMatch(/^block 0 .* 0 readings .*genesis, bound to \/h\/patient\/ann\/KEY/m);

    // Export, tamper with one reading in the hospital's repo, verify again.
    const tape = path.join(dir, "hospital.tape");
    expect((await run("repo", "export", "--store", path.join(dir, "nodes", "h", "repo"), "--out", tape)).stdout).toMatch(/exported \d+ packets/);
    const { ClassicLevel } = await import("classic-level");
    const { readingName } = await import("../src/naming/mod.js");
    const db = new ClassicLevel<Uint8Array, Uint8Array>(path.join(dir, "nodes", "h", "repo"), { keyEncoding: "view", valueEncoding: "view" });
    const victim = readingName("h", "ann", "pulse-oximeter", "spo2", 10).value;
    const wire = Uint8Array.from((await db.get(victim))!);
    wire[wire.length - 90]! ^= 1;
    await db.put(victim, wire);
    await db.close();
    const bad = await run("ledger", "verify", "--store", path.join(dir, "nodes", "h", "repo"), "--patient", "/h/patient/ann");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/block \d+, reading \/h\/patient\/ann\/device\/pulse-oximeter\/spo2\/seq=10\/sha256digest=\w+: reading altered/);

    // A repo rebuilt from the export verifies again; a truncated tape keeps what came before the fault.
    const rebuilt = path.join(dir, "rebuilt");
    expect((await run("repo", "import", "--store", rebuilt, "--in", tape)).code).toBe(0);
    expect((await run("ledger", "verify", "--store", rebuilt, "--patient", "/h/patient/ann")).code).toBe(0);
    const cut = path.join(dir, "cut.tape");
    const { writeFile: write } = await import("node:fs/promises");
    const full = await readFile(tape);
    await write(cut, full.subarray(0, Math.floor(full.length / 2)));
    const partial = await run("repo", "import", "--store", path.join(dir, "partial"), "--in", cut);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/cut\.tape: malformed at octet \d+ .*; the \d+ packets before it were imported/);
  }, 120_000);
});

test("the hospital repos a multi-hospital simulation leaves hold the consultation ledger, the same confirmed order in each", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "iomt-sim-consult-"));
  expect((await run("simulate", "--topology", "test/fixtures/three-hospitals.conf", "--duration", "100s", "--out", dir, "--quiet")).code).toBe(0);
  const anchors = ["a", "b", "c"].map((h) => path.join(dir, "nodes", h, "keys", `${h}.cert.base64`));
  const orders = [];
  for (const h of ["a", "b", "c"]) {
    const r = await run("consult", "verify", "--store", path.join(dir, "nodes", h, "repo"), "--consortium", "iomt", "--members", "a,b,c", "--anchors", ...anchors);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\d+ blocks, \d+ confirmed, 0 waiting for parents, 0 equivocations, 0 rejected/);
    orders.push(r.stdout.split("\n").filter((l) => l.startsWith("confirmed ")));
  }
  // Each hospital's doctor writes about once a minute: their blocks of records are confirmed
  // (blocks of references only are confirmed when a later block refers to them).
  const records = orders[0]!.reduce((n, l) => n + Number(/ (\d+) records$/.exec(l)![1]), 0);
  expect(records).toBeGreaterThanOrEqual(3);
  expect(orders[1]).toEqual(orders[0]);
  expect(orders[2]).toEqual(orders[0]);
}, 60_000);
