import type { Data } from "@ndn/packet";

import { ConsultationReplica, RecordKind, writeRecord } from "../consultation/mod.js";
import { fullName } from "../ledger/mod.js";
import { consultationPrefix, patientPrefix, staffPrefix } from "../naming/mod.js";
import type { EmulatedNetwork } from "../network/mod.js";
import { type CertificateServer, fetchCertificateOverNdn, type Identity, TrustVerifier, type TrustVerifierOptions } from "../trust/mod.js";
import { reportFailure } from "../util/report.js";
import type { IdentityProvider } from "./identities.js";
import { percentile } from "./summary.js";

/** The consortium every simulated hospital belongs to. */
export const CONSORTIUM = "iomt";

export interface ConsultationSummary {
  hospitals: number;
  records: number;
  /** Records in blocks confirmed at every hospital. */
  confirmed: number;
  /** Hospitals whose confirmed order differs from the one most hospitals have: must be 0. */
  divergent: number;
  /** Block committed → present at every hospital, ms. */
  replicationMs: Percentiles;
  /** Block committed → confirmed at every hospital, ms. */
  confirmMs: Percentiles;
  equivocations: number;
}

type Percentiles = { p50: number | null; p95: number | null; p99: number | null };

/**
 * The consultation ledger in a simulation: every hospital's doctors write records, its registrar
 * commits them in blocks every 10 s (also when only other hospitals' blocks are new, so references
 * propagate), and the hospitals replicate with SVS. Measures replication and confirmation delays.
 */
export class ConsultationRun implements Disposable {
  private readonly replicas = new Map<string, ConsultationReplica>();
  private readonly timers: Array<ReturnType<typeof setInterval>> = [];
  private readonly committedAt = new Map<string, number>();
  private readonly seenAt = new Map<string, Map<string, number>>();
  private readonly confirmedAt = new Map<string, Map<string, number>>();
  private records = 0;
  private stopped = false;

  private constructor(private readonly hospitals: readonly string[]) {}

  static async start(opts: {
    net: EmulatedNetwork;
    hospitals: ReadonlyMap<string, { anchor: Identity; doctors: number; certs: CertificateServer }>;
    identities: IdentityProvider;
    importVerifier?: TrustVerifierOptions["importVerifier"];
  }): Promise<ConsultationRun> {
    const names = [...opts.hospitals.keys()];
    const run = new ConsultationRun(names);
    const anchors = [...opts.hospitals.values()].map((h) => h.anchor.cert);
    for (const [h, info] of opts.hospitals) {
      const registrar = await opts.identities.enrol(h, staffPrefix(h, "registrar"), info.anchor);
      info.certs.add(registrar.cert);
      const doctors: Identity[] = [];
      for (let i = 1; i <= Math.max(1, info.doctors); ++i) {
        const d = await opts.identities.enrol(h, staffPrefix(h, `doctor${i}`), info.anchor);
        info.certs.add(d.cert);
        doctors.push(d);
      }
      opts.net.announce(h, consultationPrefix(CONSORTIUM, h));
      opts.net.announce(h, consultationPrefix(CONSORTIUM), "multicast");
      const fw = opts.net.fw(h);
      const replica = await ConsultationReplica.create({
        fw, consortium: CONSORTIUM, hospital: h, members: names, registrar,
        verifier: new TrustVerifier({ anchors, fetchCertificate: fetchCertificateOverNdn(fw), importVerifier: opts.importVerifier }),
        onBlock: (b) => run.onBlock(h, b),
      });
      run.replicas.set(h, replica);
      run.schedule(h, replica, doctors);
    }
    return run;
  }

  private schedule(h: string, replica: ConsultationReplica, doctors: readonly Identity[]): void {
    const waiting: Data[] = [];
    let seq = 0;
    let seenBlocks = replica.dag.blocks.length;
    const report = reportFailure(`consultation ${h}`);
    // Each doctor writes about one record a minute (Math.random is seeded in virtual time).
    for (const doctor of doctors) {
      this.timers.push(setInterval(() => {
        if (this.stopped || Math.random() > 1 / 6) {
          return;
        }
        void writeRecord(doctor, CONSORTIUM, seq++, {
          kind: RecordKind.Note, patient: patientPrefix(h, "consult"), text: `consultation note ${seq} at ${h}`,
        }).then((r) => waiting.push(r)).catch(report);
      }, 10_000));
    }
    this.timers.push(setInterval(() => {
      const fresh = replica.dag.blocks.length !== seenBlocks;
      if (this.stopped || (waiting.length === 0 && !fresh && seq > 0)) {
        return;
      }
      const records = waiting.splice(0);
      this.records += records.length;
      void replica.commit(records).then(() => {
        seenBlocks = replica.dag.blocks.length;
      }).catch(report);
    }, 10_000));
  }

  private onBlock(at: string, block: Data): void {
    const key = fullName(block).valueHex;
    const now = Date.now();
    if (!this.committedAt.has(key)) {
      this.committedAt.set(key, now);
    }
    let seen = this.seenAt.get(key);
    if (!seen) {
      this.seenAt.set(key, seen = new Map());
    }
    if (!seen.has(at)) {
      seen.set(at, now);
    }
    const replica = this.replicas.get(at);
    for (const b of replica?.dag.confirmed() ?? []) {
      const k = b.fullName.valueHex;
      let c = this.confirmedAt.get(k);
      if (!c) {
        this.confirmedAt.set(k, c = new Map());
      }
      if (!c.has(at)) {
        c.set(at, now);
      }
    }
  }

  /** Stop writing and committing (replication goes on). */
  stop(): void {
    this.stopped = true;
  }

  summarize(): ConsultationSummary {
    const n = this.hospitals.length;
    const delays = (m: Map<string, Map<string, number>>) => [...m].filter(([, at]) => at.size === n)
      .map(([k, at]) => Math.max(...at.values()) - this.committedAt.get(k)!).sort((a, b) => a - b);
    const pct = (xs: number[]): Percentiles => ({ p50: percentile(xs, 0.5), p95: percentile(xs, 0.95), p99: percentile(xs, 0.99) });
    const orders = [...this.replicas.values()].map((r) => r.dag.confirmed().map((b) => b.fullName.valueHex).join(","));
    const tally = new Map<string, number>();
    for (const o of orders) {
      tally.set(o, (tally.get(o) ?? 0) + 1);
    }
    const majority = [...tally].sort((a, b) => b[1] - a[1])[0]?.[0];
    const confirmedEverywhere = [...this.replicas.values()][0]?.dag.confirmed()
      .filter((b) => this.confirmedAt.get(b.fullName.valueHex)?.size === n) ?? [];
    return {
      hospitals: n,
      records: this.records,
      confirmed: confirmedEverywhere.reduce((k, b) => k + b.block.recordWires.length, 0),
      divergent: orders.filter((o) => o !== majority).length,
      replicationMs: pct(delays(this.seenAt)),
      confirmMs: pct(delays(this.confirmedAt)),
      equivocations: [...this.replicas.values()].reduce((k, r) => k + r.dag.equivocations.length, 0),
    };
  }

  [Symbol.dispose](): void {
    for (const t of this.timers) {
      clearInterval(t);
    }
    for (const r of this.replicas.values()) {
      r[Symbol.dispose]();
    }
  }
}

