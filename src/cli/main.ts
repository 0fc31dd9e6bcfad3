import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { Command, Option } from "commander";

import { runBenchmarks } from "../bench/bench.js";
import { durationArg, intArg, minutes, numberArg, PACKAGE_ROOT } from "./args.js";
import { addExperimentCommands } from "./experiment-commands.js";
import { addLedgerCommands } from "./ledger-commands.js";
import { addNodeCommands } from "./node-commands.js";
import { AlarmKind, news2 } from "../monitor/mod.js";
import { nameFromUri, parseName } from "../naming/mod.js";
import { type ForwardingMode, formatSummary, MODES, readScenarioFile, runScenario } from "../scenario/mod.js";
import { checkNameInTopology, formatConf, readTopologyFile } from "../topology/mod.js";

const DEFAULT_TOPOLOGY = path.join(PACKAGE_ROOT, "topologies", "home-hospital.conf");

function progressBar(t: number, total: number): string {
  const width = 30;
  const done = Math.round((width * t) / total);
  return `  [${"#".repeat(done)}${"-".repeat(width - done)}] ${minutes(t)} / ${minutes(total)} simulated`;
}

const program = new Command("iomt")
  .description("ndn-iomt: Named Data Networking for the Internet of Medical Things")
  .showHelpAfterError()
  // An option belongs to the command it follows: `iomt node --config F` and `iomt node init --config F`.
  .enablePositionalOptions();

program.command("simulate")
  .description("run a home-hospital scenario and report readings, alarms and NEWS2 per patient")
  .option("--topology <file>", "topology in the Mini-NDN format with roles", DEFAULT_TOPOLOGY)
  .option("--scenario <file>", "episodes and network events to add (docs/scenarios.md)")
  .option("--duration <time>", "how long the sensors publish, in scenario time (e.g. 30s, 10m, 2h)", durationArg, 600_000)
  .option("--seed <n>", "seed of every random choice", intArg, 1)
  .option("--out <dir>", "output folder (default: results/run-<time>)")
  .addOption(new Option("--mode <mode>", "ndn: caching and aggregation; ndn-nocache: aggregation only; ip: neither; cloud: via a central server").choices(Object.keys(MODES)).default("ndn"))
  .addOption(new Option("--clock <clock>", "virtual: simulated time, as fast as the CPU allows; real: real time").choices(["virtual", "real"]).default("virtual"))
  .option("--block-readings <n>", "gateways commit a ledger block every N readings", intArg, 60)
  .option("--block-interval <time>", "...or at least this often", durationArg, 60_000)
  .option("--quiet", "print only the summary")
  .action(async (o: { topology: string; scenario?: string; duration: number; blockReadings: number; blockInterval: number; seed: number; out?: string; mode: ForwardingMode; clock: "virtual" | "real"; quiet?: boolean }) => {
    const topology = await readTopologyFile(o.topology);
    const script = o.scenario === undefined ? undefined : await readScenarioFile(o.scenario, topology);
    const out = o.out ?? path.join(PACKAGE_ROOT, "results", `run-${new Date().toISOString().replaceAll(/[:.]/g, "-")}`);
    await mkdir(out, { recursive: true });
    const tty = process.stderr.isTTY && !o.quiet;
    const { summary, observations, traces } = await runScenario({
      topology, script, durationMs: o.duration, seed: o.seed, dataDir: out, clock: o.clock, mode: o.mode,
      ledger: { everyReadings: o.blockReadings, everyMs: o.blockInterval },
      onProgress: tty ? (t, total) => process.stderr.write(`\r${progressBar(t, total)}`) : undefined,
      onAlarm: o.quiet ? undefined : (a) => {
        const what = a.alarm.kind === AlarmKind.Fall ? "fall" : `NEWS2 ${a.alarm.score}`;
        process.stderr.write(`${tty ? "\r\x1B[K" : ""}  alarm → ${a.doctor}: ${a.pid} ${what}, ${a.alarm.levelName}, ${a.latencyMs.toFixed(1)} ms after the reading\n`);
      },
    });
    if (tty) {
      process.stderr.write("\r\x1B[K");
    }
    await writeFile(path.join(out, "summary.json"), `${JSON.stringify(summary, undefined, 2)}\n`);
    await writeFile(path.join(out, "observations.fhir.json"), `${JSON.stringify(observations, undefined, 2)}\n`);
    for (const [file, csv] of Object.entries(traces)) {
      await writeFile(path.join(out, file), csv);
    }
    console.log(formatSummary(summary));
    console.log(`\nResults in ${out}/ (summary.json, ${Object.keys(traces).join(", ")}, observations.fhir.json, nodes/*/keys)`);
  });

const topologyCmd = program.command("topology").description("read topology files");
topologyCmd.command("check <file>")
  .description("parse a topology and list its nodes and links; errors name the line")
  .action(async (file: string) => {
    const t = await readTopologyFile(file);
    for (const n of t.nodes.values()) {
      const extra = n.role === "home" ? ` hospital=${n.hospital} patients=${n.patients.map((p) => p.pid).join(",")}` :
        n.role === "hospital" ? ` doctors=${n.doctors} monitor=${n.monitor ? "yes" : "no"}` : "";
      console.log(`node ${n.name} role=${n.role}${extra}`);
    }
    for (const l of t.links) {
      console.log(`link ${l.a}:${l.b} delay=${l.delayMs}ms loss=${l.loss * 100}% jitter=${l.jitterMs}ms${l.bandwidthMbps === undefined ? "" : ` bw=${l.bandwidthMbps}Mbps`}`);
    }
  });

topologyCmd.command("convert <file>")
  .description("print a topology (Mini-NDN or ndnSIM annotated format) in ndn-iomt's Mini-NDN format, to add roles to")
  .action(async (file: string) => {
    process.stdout.write(formatConf(await readTopologyFile(file)));
  });

program.command("name")
  .description("parse names of the ndn-iomt namespace (e.g. /stmary/patient/alice/device/pulse-oximeter/spo2/seq=3)")
  .argument("<names...>")
  .option("--topology <file>", "also check that the hospital, patient, device and stream exist in this topology")
  .action(async (names: string[], o: { topology?: string }) => {
    const topology = o.topology === undefined ? undefined : await readTopologyFile(o.topology);
    for (const uri of names) {
      const name = nameFromUri(uri);
      const p = topology ? checkNameInTopology(topology, name) : parseName(name);
      console.log(JSON.stringify(p, (_k, v: unknown) => (v && typeof v === "object" && "type" in v && "value" in v ? String(v) : v)));
    }
  });

addExperimentCommands(program);
addLedgerCommands(program);
addNodeCommands(program);

program.command("bench")
  .description("measure simulation speed, each figure beside its same-run baseline (BENCHMARKS.md)")
  .option("--quick", "short runs, about a minute and a half in all")
  .option("--json <file>", "also write the figures as JSON")
  .action(async (o: { quick?: boolean; json?: string }) => {
    const result = await runBenchmarks({ quick: !!o.quick, json: o.json, topologies: path.join(PACKAGE_ROOT, "topologies"), cli: path.join(PACKAGE_ROOT, "bin", "iomt.js") });
    console.log(JSON.stringify(result, undefined, 2));
  });

program.command("news2")
  .description("score NEWS2 (RCP 2017, SpO2 scale 1) from observations")
  .requiredOption("--rr <n>", "respiration rate /min", numberArg)
  .requiredOption("--spo2 <n>", "SpO2 %", numberArg)
  .requiredOption("--sbp <n>", "systolic blood pressure mmHg", numberArg)
  .requiredOption("--hr <n>", "pulse /min", numberArg)
  .requiredOption("--temp <n>", "temperature °C", numberArg)
  .option("--oxygen", "on supplemental oxygen")
  .addOption(new Option("--not-alert", "new confusion, or responds to voice/pain, or unresponsive"))
  .action((o: { rr: number; spo2: number; sbp: number; hr: number; temp: number; oxygen?: boolean; notAlert?: boolean }) => {
    const r = news2({ respirationRate: o.rr, spo2: o.spo2, systolic: o.sbp, heartRate: o.hr, temperature: o.temp, onOxygen: o.oxygen, notAlert: o.notAlert });
    console.log(`NEWS2 ${r.total} (${r.level})`, JSON.stringify(r.subscores));
  });

try {
  await program.parseAsync();
} catch (err: unknown) {
  // Errors of ours explain themselves in one line; IOMT_DEBUG=1 shows where they came from.
  if (!(err instanceof Error) || process.env.IOMT_DEBUG) {
    throw err;
  }
  console.error(`iomt: ${err.message}`);
  process.exit(2);
}
