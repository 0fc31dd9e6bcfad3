import path from "node:path";

import type { Data } from "@ndn/packet";

import { CloudServer } from "../cloud/mod.js";
import { DoctorApp, type ReceivedAlarm } from "../doctor/mod.js";
import { PatientGateway, type ReadingPublisher } from "../gateway/mod.js";
import { AlarmKind, LiveMonitor, ReadingSubscription } from "../monitor/mod.js";
import { type LedgerAppender, LedgerReplicator } from "../ledger/mod.js";
import { LevelStore } from "../repo/mod.js";
import {
  cloudStorePrefix, devicePrefix, expectName, hospitalPrefix, monitorPrefix, patientPrefix, showName, type StreamId,
} from "../naming/mod.js";
import { EmulatedNetwork } from "../network/mod.js";
import type { NodeLayerOptions } from "../node/mod.js";
import { deviceKit, type FhirBundle, MedicalDevice, Physiology, type Reading, STREAMS, toFhirBundle } from "../sensors/mod.js";
import { realTime, type TimeDriver, virtualTime } from "../sim/time-driver.js";
import type { Topology, TopologyNode } from "../topology/mod.js";
import { ALARM_COLUMNS, CsvTable, LinkTracer, READING_COLUMNS } from "../trace/mod.js";
import { CertificateServer, fetchCertificateOverNdn, type Identity, TrustVerifier } from "../trust/mod.js";
import { Random } from "../util/random.js";
import { reportFailure } from "../util/report.js";
import { ConsultationRun } from "./consultation-run.js";
import { Forger } from "./forgery.js";
import type { NetworkEvent, ScenarioScript } from "./scenario-file.js";
import { type IdentityProvider, keyChainIdentities, seededIdentities } from "./identities.js";
import { buildSummary, publishedFor, type Summary } from "./summary.js";

export interface ScenarioOptions {
  topology: Topology;
  /** How long sensors publish, in ms of scenario time. */
  durationMs: number;
  /** Seed of every random choice of the scenario (baselines, noise, keys, link loss). */
  seed: number;
  /**
   * `virtual`: a discrete-event simulation, as fast as the CPU allows, the same for the same seed;
   * `real`: real time, with the NDNts keychain (WebCrypto).
   * @defaultValue "virtual"
   */
  clock?: "virtual" | "real";
  /**
   * How the network forwards: `ndn` with caching and aggregation; `ndn-nocache` with aggregation
   * only; `ip` with neither, so every consumer's request travels end to end, as unicast polling;
   * `cloud` as `ip`, with every reading delivered to the central server (the topology's `cloud`
   * node) and every consumer fetching from it.
   * @defaultValue "ndn"
   */
  mode?: ForwardingMode;
  /**
   * Where nodes keep their data (keys under `<dataDir>/nodes/<node>/keys`).
   * @defaultValue nothing written
   */
  dataDir?: string;
  /**
   * Longest wait after the sensors stop for the last readings to be verified or given up, and
   * for the alarms they raise to land, in ms of scenario time; with a consultation ledger (two
   * hospitals or more), also for every record written to be confirmed at every hospital, which
   * takes a commit round or two of 10 s.
   * @defaultValue 8000, or 40000 with a consultation ledger
   */
  drainMs?: number;
  /** When gateways commit ledger blocks. @defaultValue every 60 readings or 60 s */
  ledger?: { everyReadings?: number; everyMs?: number };
  /** Episodes and network events to add to the topology's own. */
  script?: ScenarioScript;
  /** Called every second of scenario time while the sensors publish. */
  onProgress?: (elapsedMs: number, durationMs: number) => void;
  /** Called when a doctor receives an alarm. */
  onAlarm?: (alarm: ReceivedAlarm) => void;
  /** Called once the network is built, before any application starts: to observe its links. */
  onNetwork?: (net: EmulatedNetwork) => void;
  /**
   * Keep the traces (`links.csv`, `readings.csv`, `alarms.csv`); an experiment of many runs that
   * reads only the summary leaves them out.
   * @defaultValue true
   */
  traces?: boolean;
}

/** An application following every stream of a hospital's patients. */
interface Consumer {
  hospital: string;
  subscription: ReadingSubscription;
}

export interface PatientRecord {
  pid: string;
  hospital: string;
  home: string;
  streams: StreamId[];
  rateHz: number;
  publisher: ReadingPublisher;
  appender: LedgerAppender;
}

export interface ScenarioResult {
  summary: Summary;
  /** Each patient's latest vitals as the monitor verified them, as FHIR R4 Observations. */
  observations: FhirBundle;
  /** Traces, as CSV text by file name: `links.csv`, `readings.csv`, `alarms.csv` (none if `traces` is false). */
  traces: Record<string, string>;
  /** Latency of every reading at every consumer (produced → verified), ms, sorted. */
  readingLatencies: readonly number[];
}

export type ForwardingMode = "ndn" | "ndn-nocache" | "ip" | "cloud";

/** The node layer each mode runs (design.md: Simulation, modes). */
export const MODES: Readonly<Record<ForwardingMode, NodeLayerOptions>> = {
  ndn: {},
  "ndn-nocache": { csCapacity: 0 },
  ip: { csCapacity: 0, aggregation: false, unicast: true },
  cloud: { csCapacity: 0, aggregation: false, unicast: true },
};

/** Consumers (and the cloud server) start following each stream within the first second, not all at one instant. */
const CONSUMER_START = (seed: number) => ({ spreadStartMs: 1000, seed });

/** Start of every virtual-time run, so that timestamps (and certificate names) repeat. */
export const SIMULATION_EPOCH = Date.UTC(2026, 0, 1);

/**
 * Run a home-hospital scenario: homes with patients wearing devices, routers, hospitals with the
 * live monitor and doctors, over emulated links. Returns what it measured.
 */
export async function runScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const { topology, durationMs, seed } = opts;
  // process.hrtime is not virtualized: it measures the wall time the run really takes.
  const wallStart = process.hrtime.bigint();
  const virtual = (opts.clock ?? "virtual") === "virtual";
  using time: TimeDriver = virtual ? virtualTime(seed, SIMULATION_EPOCH) : realTime();
  const identities = virtual ? seededIdentities(seed, Date.now(), opts.dataDir) : keyChainIdentities(opts.dataDir);
  const mode = opts.mode ?? "ndn";
  using net = new EmulatedNetwork(topology, seed, MODES[mode]);
  // Closed in reverse order of creation when the run ends (DisposableStack is not in Node 22).
  const opened: Disposable[] = [];
  const use = <T extends Disposable>(d: T): T => {
    opened.push(d);
    return d;
  };
  try {
    const repos = new Map<string, LevelStore>();
    const { anchors, monitorIds, certServers } = await provisionHospitals(topology, net, identities, repos, use);
    const { patients, forgers, devicesToStart } = await provisionHomes(topology, net, identities, anchors, repos, opts, use);
    const cloud = mode === "cloud" ? startCloud(topology, net, patients, seed, use) : undefined;
    // Two hospitals or more share the consultation ledger.
    const hospitalNodes = [...topology.nodes.values()].filter((n) => n.role === "hospital");
    const consultation = hospitalNodes.length < 2 ? undefined : use(await ConsultationRun.start({
      net, identities, importVerifier: identities.importVerifier,
      hospitals: new Map(hospitalNodes.map((h) => [h.name, {
        anchor: anchors.get(h.name)!, doctors: h.doctors, certs: certServers.get(h.name)!, repo: repos.get(h.name)!,
      }])),
    }));
    net.computeRoutes();

    opts.onNetwork?.(net);
    const keepTraces = opts.traces ?? true;
    const readings = new CsvTable(READING_COLUMNS);
    const latencies: number[] = [];
    const consumed = (consumer: string) => ({ name }: Data, reading: Reading) => {
      const now = Date.now();
      const latencyMs = now - reading.producedAt;
      latencies.push(latencyMs);
      if (keepTraces) {
        const r = expectName(name, "reading");
        readings.add({
          consumer, reading: showName(name), patient: r.pid, stream: r.stream, seq: r.seq,
          produced_ms: reading.producedAt - SIMULATION_EPOCH, verified_ms: now - SIMULATION_EPOCH, latency_ms: latencyMs,
        });
      }
    };
    const verifierAt = (node: string, hospital: string) => new TrustVerifier({
      anchors: [anchors.get(hospital)!.cert],
      fetchCertificate: fetchCertificateOverNdn(net.fw(node)),
      importVerifier: identities.importVerifier,
    });
    const monitoredBy = (hospital: string) => patients.filter((p) => p.hospital === hospital)
      .map((p) => ({ pid: p.pid, devices: deviceKit(p.streams), rateHz: p.rateHz }));
    const via = cloud === undefined ? undefined : cloudStorePrefix(cloud.node);

    // The hospital's applications: live monitor and doctors, each verifying with its pinned anchor.
    const monitors = new Map<string, LiveMonitor>();
    const consumers: Consumer[] = [];
    const doctors: DoctorApp[] = [];
    for (const h of [...topology.nodes.values()].filter((n) => n.role === "hospital" && n.monitor)) {
      const fw = net.fw(h.name);
      const monitor = use(new LiveMonitor({
        fw, hospital: h.name, identity: monitorIds.get(h.name)!, verifier: verifierAt(h.name, h.name),
        patients: monitoredBy(h.name), via, onReading: consumed(`monitor ${h.name}`), store: repos.get(h.name), ...CONSUMER_START(seed),
      }));
      monitors.set(h.name, monitor);
      consumers.push({ hospital: h.name, subscription: monitor.subscription });
      for (let i = 1; i <= h.doctors; ++i) {
        doctors.push(use(new DoctorApp({
          fw, doctor: `${h.name}/doctor${i}`, hospital: h.name, patients: monitoredBy(h.name).map((p) => p.pid),
          verifier: verifierAt(h.name, h.name), onAlarm: opts.onAlarm,
        })));
      }
    }
    // Monitoring stations: more consumers of the same streams (the K of the congestion experiment).
    for (const st of [...topology.nodes.values()].filter((n) => n.role === "station")) {
      const hospital = st.hospital!;
      consumers.push({
        hospital,
        subscription: use(new ReadingSubscription({
          fw: net.fw(st.name), describe: `station ${st.name}`, hospital, patients: monitoredBy(hospital),
          verifier: verifierAt(st.name, hospital), via, onReading: consumed(`station ${st.name}`), ...CONSUMER_START(seed),
        })),
      });
    }

    // Each hospital keeps a replica of its patients' ledgers.
    const replicators = new Map<string, LedgerReplicator>();
    for (const h of [...topology.nodes.values()].filter((n) => n.role === "hospital")) {
      const fw = net.fw(h.name);
      replicators.set(h.name, use(new LedgerReplicator({
        fw, hospital: h.name, store: repos.get(h.name)!,
        patients: patients.filter((p) => p.hospital === h.name).map((p) => p.pid),
        verifier: new TrustVerifier({ anchors: [anchors.get(h.name)!.cert], fetchCertificate: fetchCertificateOverNdn(fw), importVerifier: identities.importVerifier }),
      })));
    }

    // Sensors start last, so that every follower is in place for reading 0.
    const tracer = keepTraces ? use(new LinkTracer(net.links)) : undefined;
    const sensingStart = Date.now();
    for (const e of opts.script?.network ?? []) {
      setTimeout(() => applyNetworkEvent(net, e), e.atMs);
    }
    const devices = devicesToStart.map((start) => use(start()));
    await time.advance(durationMs, opts.onProgress && ((t) => opts.onProgress!(Math.min(t, durationMs), durationMs)));
    for (const d of devices) {
      d[Symbol.dispose]();
    }
    for (const p of patients) {
      void p.appender.flush(); // the last readings go into a last block
    }
    consultation?.stop();
    // Drain: until every reading of a monitored patient is verified, rejected or given up.
    const consumersDone = () => consumers.every((c) => c.subscription.accounted >= publishedFor(c.hospital, patients));
    const replicated = () => patients.every((p) => replicators.get(p.hospital)!.perPatient.get(p.pid)!.blocks >= p.appender.blocks);
    const settled = () => consumersDone() && doctors.every((d) => d.pendingVerifications === 0) && replicated() &&
      (consultation?.settled() ?? true);
    const drainMs = opts.drainMs ?? (consultation ? 40_000 : 8000);
    let drained = 0;
    for (; drained < drainMs && !settled(); drained += 100) {
      await time.advance(100);
    }
    await time.advance(Math.min(500, drainMs - drained)); // for alarms in flight
    tracer?.[Symbol.dispose]();

    latencies.sort((a, b) => a - b);
    const summary = buildSummary({
      topology, seed, durationMs, sensingStart,
      simulatedMs: time.elapsed,
      wallMs: Number(process.hrtime.bigint() - wallStart) / 1e6,
      clock: virtual ? "virtual" : "real",
      mode,
      patients, forgers, monitors, consumers: consumers.map((c) => c.subscription), latencies, doctors, net, replicators, cloud: cloud?.server,
      repos: await describeRepos(repos),
      consultation: consultation?.summarize(),
    });
    const alarms = new CsvTable(ALARM_COLUMNS);
    for (const d of keepTraces ? doctors : []) {
      for (const r of d.received) {
        alarms.add({
          alarm: showName(r.name), patient: r.pid, kind: r.alarm.kind === AlarmKind.Fall ? "fall" : "news2", level: r.alarm.levelName,
          score: r.alarm.score, doctor: r.doctor, produced_ms: r.alarm.triggerProducedAt - SIMULATION_EPOCH,
          received_ms: r.receivedAt - SIMULATION_EPOCH, latency_ms: r.latencyMs,
        });
      }
    }
    const latest = patients.flatMap((p) => Object.values(monitors.get(p.hospital)?.view(p.pid).latest ?? {}));
    // Repos go to disk once the clock is real again: LevelDB completes on real I/O.
    time[Symbol.dispose]();
    if (opts.dataDir !== undefined) {
      for (const [node, repo] of repos) {
        await using disk = await LevelStore.open(path.join(opts.dataDir, "nodes", node, "repo"));
        await repo.copyTo(disk);
      }
    }
    return {
      summary,
      observations: toFhirBundle(latest),
      readingLatencies: latencies,
      traces: tracer ? { "links.csv": tracer.table.toString(), "readings.csv": readings.toString(), "alarms.csv": alarms.toString() } : {},
    };
  } finally {
    for (const d of opened.reverse()) {
      d[Symbol.dispose]();
    }
  }
}

type Use = <T extends Disposable>(d: T) => T;

/** Hospitals: a trust anchor each, the monitor's identity, their certificates served, a repo. */
async function provisionHospitals(topology: Topology, net: EmulatedNetwork, identities: IdentityProvider, repos: Map<string, LevelStore>, use: Use) {
  const anchors = new Map<string, Identity>();
  const monitorIds = new Map<string, Identity>();
  const certServers = new Map<string, CertificateServer>();
  for (const h of [...topology.nodes.values()].filter((n) => n.role === "hospital")) {
    const anchor = await identities.anchor(h.name, hospitalPrefix(h.name));
    const monitor = await identities.enrol(h.name, monitorPrefix(h.name), anchor);
    anchors.set(h.name, anchor);
    monitorIds.set(h.name, monitor);
    const repo = LevelStore.memory();
    await repo.insert(anchor.cert.data, monitor.cert.data);
    repos.set(h.name, repo);
    const certs = use(new CertificateServer(net.fw(h.name)));
    certs.add(anchor.cert);
    certs.add(monitor.cert);
    certServers.set(h.name, certs);
    net.announce(h.name, hospitalPrefix(h.name));
  }
  return { anchors, monitorIds, certServers };
}

/** Homes: a gateway per patient enrolled by its hospital, devices enrolled by the gateway, a publisher. */
async function provisionHomes(topology: Topology, net: EmulatedNetwork, identities: IdentityProvider,
    anchors: ReadonlyMap<string, Identity>, repos: Map<string, LevelStore>, opts: ScenarioOptions, use: Use) {
  const { seed, script } = opts;
  const patients: PatientRecord[] = [];
  const forgers: Forger[] = [];
  const devicesToStart: Array<() => MedicalDevice> = [];
  for (const home of [...topology.nodes.values()].filter((n) => n.role === "home")) {
    const hospital = home.hospital!;
    const certs = use(new CertificateServer(net.fw(home.name)));
    const repo = LevelStore.memory();
    repos.set(home.name, repo);
    await repo.insert(anchors.get(hospital)!.cert.data);
    for (const p of home.patients) {
      const gateway = await identities.enrol(home.name, patientPrefix(hospital, p.pid), anchors.get(hospital)!);
      certs.add(gateway.cert);
      // The hospital issued the gateway's certificate: its repo keeps it, to verify the ledger.
      await repos.get(hospital)?.insert(gateway.cert.data);
      const devices = deviceKit(p.streams);
      const gw = use(await PatientGateway.open({
        fw: net.fw(home.name), hospital, pid: p.pid, devices, identity: gateway, store: repo, ledger: opts.ledger,
      }));
      const physiology = new Physiology(seed, `${hospital}/${p.pid}`);
      for (const e of [...p.episodes, ...(script?.episodes.filter((x) => x.pid === p.pid).map((x) => x.episode) ?? [])]) {
        physiology.schedule(e);
      }
      const deviceIds = new Map<string, Identity>();
      for (const did of devices.keys()) {
        const id = await identities.enrol(home.name, devicePrefix(hospital, p.pid, did), gateway);
        deviceIds.set(did, id);
        certs.add(id.cert);
        await repo.insert(id.cert.data);
      }
      const forger = forgerFor(home, p.forgeries, deviceIds);
      if (forger) {
        forgers.push(forger);
      }
      for (const [did, streams] of devices) {
        devicesToStart.push(() => new MedicalDevice({
          hospital, pid: p.pid, did, streams, physiology,
          rateHz: Object.fromEntries(streams.map((s) => [s, p.rateHz])),
          phaseMs: Random.derive(seed, `phase ${hospital}/${p.pid}/${did}`).uniform(0, 1000 / p.rateHz),
          identity: deviceIds.get(did)!,
          emit: forger ?
            (r) => void forger.apply(r).then((f) => gw.take(f)).catch(reportFailure(`forger at ${home.name}`)) :
            (r) => gw.take(r),
        }));
      }
      patients.push({ pid: p.pid, hospital, home: home.name, streams: p.streams, rateHz: p.rateHz, publisher: gw.publisher, appender: gw.appender });
      net.announce(home.name, patientPrefix(hospital, p.pid));
    }
  }
  return { patients, forgers, devicesToStart };
}

async function describeRepos(repos: ReadonlyMap<string, LevelStore>) {
  const out = [];
  for (const [node, repo] of repos) {
    out.push({ node, path: `nodes/${node}/repo`, packets: await repo.count() });
  }
  return out;
}

/** The central server of the `cloud` mode, at the topology's cloud node. */
function startCloud(topology: Topology, net: EmulatedNetwork, patients: readonly PatientRecord[], seed: number, use: Use): { node: string; server: CloudServer } {
  const node = [...topology.nodes.values()].find((n) => n.role === "cloud");
  if (!node) {
    throw new Error(`mode cloud needs a node with role=cloud in ${topology.source}`);
  }
  const server = use(new CloudServer({
    fw: net.fw(node.name),
    cloud: node.name,
    patients: patients.map((p) => ({ hospital: p.hospital, pid: p.pid, devices: deviceKit(p.streams), rateHz: p.rateHz })),
    ...CONSUMER_START(seed),
  }));
  net.announce(node.name, cloudStorePrefix(node.name));
  return { node: node.name, server };
}

/** A link or every link of a node goes down or comes back up. */
function applyNetworkEvent(net: EmulatedNetwork, e: NetworkEvent): void {
  const up = e.kind.endsWith("-up");
  if (e.kind.startsWith("link")) {
    const [a, b] = e.target.split(":");
    net.link(a!, b!).setUp(up);
  } else {
    for (const l of net.links.filter((x) => x.a === e.target || x.b === e.target)) {
      l.setUp(up);
    }
  }
}

function forgerFor(home: TopologyNode, forgeries: TopologyNode["patients"][number]["forgeries"], ids: Map<string, Identity>): Forger | undefined {
  if (forgeries.length === 0) {
    return undefined;
  }
  const forged = new Set(forgeries.map((f) => STREAMS[f.stream].device));
  const other = [...ids].find(([did]) => !forged.has(did));
  if (!other) {
    throw new Error(`home ${home.name}: forging needs a second device to sign with; add sensors on another device`);
  }
  return new Forger(forgeries, other[1]);
}
