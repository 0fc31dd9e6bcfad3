import path from "node:path";

import { KeyChain } from "@ndn/keychain";

import { DoctorApp, type ReceivedAlarm } from "../doctor/mod.js";
import { ReadingPublisher } from "../gateway/mod.js";
import { LiveMonitor } from "../monitor/mod.js";
import { devicePrefix, hospitalPrefix, monitorPrefix, patientPrefix, type StreamId } from "../naming/mod.js";
import { EmulatedNetwork } from "../network/mod.js";
import { deviceKit, type FhirBundle, MedicalDevice, Physiology, STREAMS, toFhirBundle } from "../sensors/mod.js";
import type { Topology, TopologyNode } from "../topology/mod.js";
import {
  CertificateServer, fetchCertificateOverNdn, type Identity, loadOrCreateAnchor, loadOrEnrol, openKeyChain, TrustVerifier,
} from "../trust/mod.js";
import { Forger } from "./forgery.js";
import { buildSummary, sum, type Summary } from "./summary.js";
import { reportFailure } from "../util/report.js";

export interface ScenarioOptions {
  topology: Topology;
  /** How long sensors publish, in ms. */
  durationMs: number;
  /** Seed of every random choice of the scenario (baselines, noise). */
  seed: number;
  /**
   * Where nodes keep their data (keys under `<dataDir>/nodes/<node>/keys`).
   * @defaultValue keys in memory
   */
  dataDir?: string;
  /**
   * Longest wait after the sensors stop for the last readings to be verified or given up, and
   * for the alarms they raise to land, in ms.
   * @defaultValue 8000
   */
  drainMs?: number;
  /** Progress callback, about once a second. */
  onProgress?: (elapsedMs: number, durationMs: number) => void;
  /** Called when a doctor receives an alarm. */
  onAlarm?: (alarm: ReceivedAlarm) => void;
}

export interface PatientRecord {
  pid: string;
  hospital: string;
  home: string;
  streams: StreamId[];
  rateHz: number;
  publisher: ReadingPublisher;
}

export interface ScenarioResult {
  summary: Summary;
  /** Each patient's latest vitals as the monitor verified them, as FHIR R4 Observations. */
  observations: FhirBundle;
}

/**
 * Run a home-hospital scenario in real time on in-process forwarders: homes with patients wearing
 * devices, routers, hospitals with the live monitor and doctors. Returns what it measured.
 */
export async function runScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const { topology, durationMs, seed } = opts;
  const startedAt = Date.now();
  using net = new EmulatedNetwork(topology);
  // Closed in reverse order of creation when the run ends (DisposableStack is not in Node 22).
  const opened: Disposable[] = [];
  const disposables = {
    use<T extends Disposable>(d: T): T {
      opened.push(d);
      return d;
    },
  };
  try {
    const keyChainOf = (node: string) => opts.dataDir === undefined ?
      KeyChain.createTemp() : openKeyChain(path.join(opts.dataDir, "nodes", node));
    const nodes = [...topology.nodes.values()];

    // Hospitals: a trust anchor each, the monitor's identity, served certificates.
    const anchors = new Map<string, Identity>();
    const monitorIds = new Map<string, Identity>();
    for (const h of nodes.filter((n) => n.role === "hospital")) {
      const keys = keyChainOf(h.name);
      const anchor = await loadOrCreateAnchor(keys, hospitalPrefix(h.name));
      const monitor = await loadOrEnrol(keys, monitorPrefix(h.name), anchor);
      anchors.set(h.name, anchor);
      monitorIds.set(h.name, monitor);
      const certs = disposables.use(new CertificateServer(net.fw(h.name)));
      certs.add(anchor.cert);
      certs.add(monitor.cert);
      net.announce(h.name, hospitalPrefix(h.name));
    }

    // Homes: a gateway per patient, enrolled by its hospital; devices enrolled by the gateway.
    const patients: PatientRecord[] = [];
    const forgers: Forger[] = [];
    const devicesToStart: Array<() => MedicalDevice> = [];
    for (const home of nodes.filter((n) => n.role === "home")) {
      const hospital = home.hospital!;
      const keys = keyChainOf(home.name);
      const certs = disposables.use(new CertificateServer(net.fw(home.name)));
      for (const p of home.patients) {
        const gateway = await loadOrEnrol(keys, patientPrefix(hospital, p.pid), anchors.get(hospital)!);
        certs.add(gateway.cert);
        const devices = deviceKit(p.streams);
        const publisher = disposables.use(new ReadingPublisher({ fw: net.fw(home.name), hospital, pid: p.pid, devices }));
        const physiology = new Physiology(seed, `${hospital}/${p.pid}`);
        for (const e of p.episodes) {
          physiology.schedule(e);
        }
        const identities = new Map<string, Identity>();
        for (const did of devices.keys()) {
          const id = await loadOrEnrol(keys, devicePrefix(hospital, p.pid, did), gateway);
          identities.set(did, id);
          certs.add(id.cert);
        }
        const forger = forgerFor(home, p.forgeries, identities);
        if (forger) {
          forgers.push(forger);
        }
        for (const [did, streams] of devices) {
          devicesToStart.push(() => new MedicalDevice({
            hospital, pid: p.pid, did, streams, physiology,
            rateHz: Object.fromEntries(streams.map((s) => [s, p.rateHz])),
            identity: identities.get(did)!,
            emit: forger ?
              (r) => void forger.apply(r).then((f) => publisher.publish(f)).catch(reportFailure(`forger at ${home.name}`)) :
              (r) => publisher.publish(r),
          }));
        }
        patients.push({ pid: p.pid, hospital, home: home.name, streams: p.streams, rateHz: p.rateHz, publisher });
        net.announce(home.name, patientPrefix(hospital, p.pid));
      }
    }
    net.computeRoutes();

    // The hospital's applications: live monitor and doctors, each verifying with pinned anchors.
    const monitors = new Map<string, LiveMonitor>();
    const doctors: DoctorApp[] = [];
    for (const h of nodes.filter((n) => n.role === "hospital" && n.monitor)) {
      const fw = net.fw(h.name);
      const verifier = () => new TrustVerifier({ anchors: [anchors.get(h.name)!.cert], fetchCertificate: fetchCertificateOverNdn(fw) });
      const mine = patients.filter((p) => p.hospital === h.name);
      monitors.set(h.name, disposables.use(new LiveMonitor({
        fw, hospital: h.name, identity: monitorIds.get(h.name)!, verifier: verifier(),
        patients: mine.map((p) => ({ pid: p.pid, devices: deviceKit(p.streams), rateHz: p.rateHz })),
      })));
      for (let i = 1; i <= h.doctors; ++i) {
        doctors.push(disposables.use(new DoctorApp({
          fw, doctor: `${h.name}/doctor${i}`, hospital: h.name, patients: mine.map((p) => p.pid),
          verifier: verifier(), onAlarm: opts.onAlarm,
        })));
      }
    }

    // Sensors start last, so that every follower is in place for reading 0.
    const devices = devicesToStart.map((start) => disposables.use(start()));
    const sensingStart = Date.now();
    await runFor(durationMs, (elapsed) => opts.onProgress?.(elapsed, durationMs));
    for (const d of devices) {
      d[Symbol.dispose]();
    }
    const monitoredPublished = () => sum(patients.filter((p) => monitors.has(p.hospital)).map((p) => p.publisher.published));
    const accounted = () => sum([...monitors.values()].map((m) => m.counters.verified + m.rejected.total + m.counters.lost));
    await drain(opts.drainMs ?? 8000, () => accounted() >= monitoredPublished() && doctors.every((d) => d.pendingVerifications === 0));

    const summary = buildSummary({
      topology, seed, durationMs, startedAt, sensingStart, wallMs: Date.now() - startedAt,
      patients, forgers, monitors, doctors,
    });
    const latest = patients.flatMap((p) => Object.values(monitors.get(p.hospital)?.view(p.pid).latest ?? {}));
    return { summary, observations: toFhirBundle(latest) };
  } finally {
    for (const d of opened.reverse()) {
      d[Symbol.dispose]();
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wait until `settled` holds, then a little more for alarms in flight, at most `maxMs`. */
async function drain(maxMs: number, settled: () => boolean): Promise<void> {
  const start = Date.now();
  while (!settled() && Date.now() - start < maxMs) {
    await delay(50);
  }
  await delay(Math.min(500, Math.max(0, maxMs - (Date.now() - start))));
}

async function runFor(ms: number, tick: (elapsed: number) => void): Promise<void> {
  const start = Date.now();
  for (let elapsed = 0; elapsed < ms; elapsed = Date.now() - start) {
    tick(elapsed);
    await delay(Math.min(1000, ms - elapsed));
  }
  tick(ms);
}
