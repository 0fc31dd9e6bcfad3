import { Data, type Name } from "@ndn/packet";

import { cloudStorePrefix, NameError, parseName } from "../naming/mod.js";
import { type EmulatedNetwork, wireSize } from "../network/mod.js";
import { withoutFlow } from "../node/mod.js";
import { percentile, runScenario, sum, type Summary } from "../scenario/mod.js";
import type { Topology } from "../topology/mod.js";
import type { RunRecord, RunSpec } from "./run-record.js";
import { type Bottleneck, experimentTopology } from "./topology-variant.js";

/** The experiment's fixed parts: every run shares them. */
export interface CongestionSetup {
  topology: Topology;
  bottleneck: Bottleneck;
}

/**
 * Run one point of the sweep: the scenario on its variant of the topology, in its mode, with the
 * bottleneck observed; the summary and the observations become a {@link RunRecord}.
 */
export async function runCongestionPoint(setup: CongestionSetup, spec: RunSpec): Promise<RunRecord> {
  const topology = experimentTopology(setup.topology, { ...spec, bottleneck: setup.bottleneck });
  const { from, to } = setup.bottleneck;
  const copies = new ReadingCopies(cloudNodes(topology));
  const { summary, readingLatencies } = await runScenario({
    topology, durationMs: spec.durationMs, seed: spec.seed, mode: spec.mode, traces: false,
    onNetwork: (net: EmulatedNetwork) => {
      const link = net.link(from, to);
      (link.a === from ? link.ab : link.ba).observe((pkt) => pkt instanceof Data && copies.count(pkt));
    },
  });
  const doctors = sum([...topology.nodes.values()].filter((n) => n.role === "hospital" && n.monitor).map((n) => n.doctors));
  return toRecord(spec, summary, setup.bottleneck, { readingCopies: copies.perReading, readingBytes: copies.octets, latencies: readingLatencies, doctors });
}

/** Reading Data on a link, their octets, and how many distinct readings they were: copies per reading. */
class ReadingCopies {
  private packets = 0;
  octets = 0;
  private readonly distinct = new Set<string>();

  /** @param stores - the cloud servers' store prefixes, whose Data wrap readings. */
  constructor(private readonly stores: readonly Name[]) {}

  count(data: Data): void {
    const request = withoutFlow(data.name);
    const store = this.stores.find((s) => s.isPrefixOf(request));
    const inner = store ? request.slice(store.length) : request;
    try {
      if (parseName(inner).kind !== "reading") {
        return;
      }
    } catch (err: unknown) {
      if (err instanceof NameError) {
        return; // not of our namespace: not a reading
      }
      throw err;
    }
    ++this.packets;
    this.octets += wireSize(data);
    this.distinct.add(inner.valueHex);
  }

  get perReading(): number {
    return this.distinct.size === 0 ? 0 : this.packets / this.distinct.size;
  }
}

function cloudNodes(topology: Topology): Name[] {
  return [...topology.nodes.values()].filter((n) => n.role === "cloud").map((n) => cloudStorePrefix(n.name));
}

interface Observed {
  readingCopies: number;
  readingBytes: number;
  /** Every reading's latency at every consumer, sorted. */
  latencies: readonly number[];
  /** Doctors following the alarms. */
  doctors: number;
}

function toRecord(spec: RunSpec, s: Summary, b: Bottleneck, { readingCopies, readingBytes, latencies, doctors }: Observed): RunRecord {
  const toHospital = s.links.find((l) => l.from === b.from && l.to === b.to)!;
  const toHomes = s.links.find((l) => l.from === b.to && l.to === b.from)!;
  const capacityBytes = (spec.bottleneckBw * 1e6 / 8) * s.simulatedSeconds;
  const raised = s.alarms.length;
  const { verified: delivered, expected, lost, rejected } = s.consumers;
  return {
    ...spec,
    bottleneck: `${b.from}>${b.to}`,
    bottleneckBytes: toHospital.bytes + toHomes.bytes,
    bottleneckPackets: toHospital.packets + toHomes.packets,
    bottleneckBytesToHospital: toHospital.bytes,
    bottleneckBytesToHomes: toHomes.bytes,
    bottleneckUtilisation: Math.max(toHospital.bytes, toHomes.bytes) / capacityBytes,
    readingCopies,
    bottleneckReadingBytes: readingBytes,
    drops: { bottleneck: toHospital.drops + toHomes.drops, total: sum(s.links.map((l) => l.drops)) },
    totalBytes: sum(s.links.map((l) => l.bytes)),
    totalPackets: sum(s.links.map((l) => l.packets)),
    readings: { published: s.readings.published, delivered, lost, rejected, outstanding: expected - delivered - lost - rejected },
    // What a lossless network raises is known once every run is in (settleAlarmExpectations).
    alarms: { raised, expected: 0, expectedFromLossless: false, delivered: s.alarmLatencyMs.receipts, doctors },
    deliveryRatio: { readings: expected === 0 ? 0 : delivered / expected, alarms: null },
    readingLatencyMs: s.consumers.latencyMs,
    alarmLatencyMs: { p50: s.alarmLatencyMs.p50, p95: s.alarmLatencyMs.p95, p99: s.alarmLatencyMs.p99 },
    readingLatencyQuantiles: latencies.length === 0 ? [] : Array.from({ length: 101 }, (_, i) => percentile(latencies, i / 100)!),
    producerLoad: { gateways: s.producerLoad.gateways.answered, server: s.producerLoad.server?.answered ?? 0 },
    links: s.links.map((l) => ({ from: l.from, to: l.to, packets: l.packets, bytes: l.bytes, drops: l.drops })),
    simulatedSeconds: s.simulatedSeconds,
    wallSeconds: s.wallSeconds,
  };
}
