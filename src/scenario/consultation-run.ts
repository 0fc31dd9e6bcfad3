import type { Data } from "@ndn/packet";

import { Clinic, ConsultationBlock, ConsultationReplica } from "../consultation/mod.js";
import { fullName } from "../ledger/mod.js";
import { consultationPrefix, staffPrefix } from "../naming/mod.js";
import type { EmulatedNetwork } from "../network/mod.js";
import type { LevelStore } from "../repo/mod.js";
import { type CertificateServer, certificatesKeptIn, fetchCertificateOverNdn, type Identity, TrustVerifier, type TrustVerifierOptions } from "../trust/mod.js";
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
 * The consultation ledger in a simulation: a clinic at every hospital (doctors write records, the
 * registrar commits them), and the hospitals replicate with SVS. Measures replication and
 * confirmation delays.
 */
export class ConsultationRun implements Disposable {
  private readonly replicas = new Map<string, ConsultationReplica>();
  private readonly clinics: Clinic[] = [];
  private readonly committedAt = new Map<string, number>();
  /** Blocks that carry records (their confirmation is what confirmMs measures). */
  private readonly withRecords = new Set<string>();
  private readonly seenAt = new Map<string, Map<string, number>>();
  private readonly confirmedAt = new Map<string, Map<string, number>>();

  private constructor(private readonly hospitals: readonly string[]) {}

  static async start(opts: {
    net: EmulatedNetwork;
    hospitals: ReadonlyMap<string, { anchor: Identity; doctors: number; certs: CertificateServer; repo: LevelStore }>;
    identities: IdentityProvider;
    importVerifier?: TrustVerifierOptions["importVerifier"];
  }): Promise<ConsultationRun> {
    const names = [...opts.hospitals.keys()];
    const run = new ConsultationRun(names);
    const anchors = [...opts.hospitals.values()].map((h) => h.anchor.cert);
    for (const [h, info] of opts.hospitals) {
      const registrar = await opts.identities.enrol(h, staffPrefix(h, "registrar"), info.anchor);
      info.certs.add(registrar.cert);
      await info.repo.insert(registrar.cert.data);
      const doctors: Identity[] = [];
      for (let i = 1; i <= Math.max(1, info.doctors); ++i) {
        const d = await opts.identities.enrol(h, staffPrefix(h, `doctor${i}`), info.anchor);
        info.certs.add(d.cert);
        await info.repo.insert(d.cert.data);
        doctors.push(d);
      }
      opts.net.announce(h, consultationPrefix(CONSORTIUM, h));
      opts.net.announce(h, consultationPrefix(CONSORTIUM), "multicast");
      const fw = opts.net.fw(h);
      const replica = await ConsultationReplica.create({
        fw, consortium: CONSORTIUM, hospital: h, members: names, registrar, store: info.repo,
        verifier: new TrustVerifier({ anchors, fetchCertificate: certificatesKeptIn(info.repo, fetchCertificateOverNdn(fw)), importVerifier: opts.importVerifier }),
        onBlock: (b) => run.onBlock(h, b),
      });
      run.replicas.set(h, replica);
      // Each doctor writes a record a minute; the registrar commits every 10 s.
      run.clinics.push(new Clinic({ hospital: h, consortium: CONSORTIUM, replica, doctors, writeEveryMs: 60_000, commitEveryMs: 10_000 }));
    }
    return run;
  }

  private onBlock(at: string, block: Data): void {
    const key = fullName(block).valueHex;
    const now = Date.now();
    if (!this.committedAt.has(key)) {
      this.committedAt.set(key, now);
      if (ConsultationBlock.fromContent(block.content).recordWires.length > 0) {
        this.withRecords.add(key);
      }
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

  /** Stop writing records; references go on, so that what was written is confirmed. */
  stop(): void {
    for (const c of this.clinics) {
      c.stopWriting();
    }
  }

  /** Whether every record written is committed and confirmed at every hospital: what the drain waits for. */
  settled(): boolean {
    return this.clinics.every((c) => c.queued === 0) && this.confirmedRecords() === this.committedRecords();
  }

  private committedRecords(): number {
    return this.clinics.reduce((k, c) => k + c.committed, 0);
  }

  /** Records in blocks confirmed at every hospital. */
  private confirmedRecords(): number {
    const n = this.hospitals.length;
    const blocks = [...this.replicas.values()][0]?.dag.confirmed()
      .filter((b) => this.confirmedAt.get(b.fullName.valueHex)?.size === n) ?? [];
    return blocks.reduce((k, b) => k + b.block.recordWires.length, 0);
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
    return {
      hospitals: n,
      records: this.committedRecords(),
      confirmed: this.confirmedRecords(),
      divergent: orders.filter((o) => o !== majority).length,
      replicationMs: pct(delays(this.seenAt)),
      // Blocks of references only are confirmed whenever a later block happens to refer to them.
      confirmMs: pct(delays(new Map([...this.confirmedAt].filter(([k]) => this.withRecords.has(k))))),
      equivocations: [...this.replicas.values()].reduce((k, r) => k + r.dag.equivocations.length, 0),
    };
  }

  [Symbol.dispose](): void {
    this.stop();
    for (const r of this.replicas.values()) {
      r[Symbol.dispose]();
    }
  }
}

