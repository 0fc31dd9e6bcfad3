import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import path from "node:path";

import type { Forwarder } from "@ndn/fw";
import type { Name } from "@ndn/packet";

import { Clinic, ConsultationBlock, ConsultationReplica } from "../consultation/mod.js";
import { LedgerReplicator } from "../ledger/mod.js";
import { consultationPrefix, expectName, hospitalPrefix, showName } from "../naming/mod.js";
import { LevelStore } from "../repo/mod.js";
import { CertificateServer, certificatesKeptIn, fetchCertificateOverNdn, TrustVerifier } from "../trust/mod.js";
import type { NodeConfig } from "./config.js";
import { ConsultService } from "./consult-service.js";
import { initHospital, memberAnchors } from "./provision.js";

/**
 * A hospital's applications on its node: its certificates served; the consultation ledger
 * (replica, clinic writing records, the consult service for the CLI); and the replicas of its
 * patients' medical-devices ledgers, fetched from their home gateways. All in its LevelDB repo.
 */
export class HospitalRole implements AsyncDisposable {
  private constructor(
    readonly replica: ConsultationReplica,
    readonly replicator: LedgerReplicator,
    /** Prefixes this node serves (registered with a local NFD). */
    readonly prefixes: Name[],
    private readonly store: LevelStore,
    /** What writes: closed first. */
    private readonly writers: Disposable[],
    private readonly certs: CertificateServer,
    private readonly trace: WriteStream,
  ) {}

  /** @param repoDir - the repo's folder. @defaultValue `<dataDir>/repo` */
  static async start(fw: Forwarder, config: NodeConfig & { role: "hospital" }, repoDir = path.join(config.dataDir, "repo")): Promise<HospitalRole> {
    const { name, hospital: h } = config;
    const { anchor, registrar, doctor } = await initHospital(config);
    const others = await memberAnchors(h);
    const certs = new CertificateServer(fw);
    for (const id of [anchor, registrar, doctor]) {
      certs.add(id.cert);
    }
    const store = await LevelStore.open(repoDir);
    // The repo keeps every certificate the ledgers need, so a copy can be verified offline.
    await store.insert(anchor.cert.data, registrar.cert.data, doctor.cert.data);
    const fetchCertificate = certificatesKeptIn(store, fetchCertificateOverNdn(fw));
    const verifier = new TrustVerifier({ anchors: [anchor.cert, ...others], fetchCertificate });
    // A line per block as it joins this copy: when it was committed (its time) and when it arrived.
    const traceFile = path.join(path.dirname(repoDir), "consultation-blocks.csv");
    const fresh = !existsSync(traceFile);
    const trace = createWriteStream(traceFile, { flags: "a" });
    if (fresh) {
      trace.write("block,hospital,height,records,committed_ms,joined_ms\n");
    }
    const replica = await ConsultationReplica.create({
      fw, consortium: h.consortium, hospital: name, members: h.members, registrar, store, verifier,
      onBlock: (data) => {
        const p = expectName(data.name, "consultation-block");
        const block = ConsultationBlock.fromContent(data.content);
        trace.write(`${showName(data.name)},${p.hospital},${p.height},${block.recordWires.length},${block.time},${Date.now()}\n`);
      },
    });
    const clinic = new Clinic({
      hospital: name, consortium: h.consortium, replica, doctors: [doctor],
      writeEveryMs: h.writeEveryMs, writeForMs: h.writeForMs, commitEveryMs: h.commitEveryMs,
    });
    const service = new ConsultService(fw, name, replica, clinic, verifier);
    // Patients' ledgers are verified against this hospital's anchor only: it issued their gateways.
    const replicator = new LedgerReplicator({
      fw, hospital: name, patients: h.patients, store,
      verifier: new TrustVerifier({ anchors: [anchor.cert], fetchCertificate }),
    });
    const prefixes = [hospitalPrefix(name), consultationPrefix(h.consortium, name), consultationPrefix(h.consortium)];
    return new HospitalRole(replica, replicator, prefixes, store, [service, clinic], certs, trace);
  }

  describe(): string {
    const { dag } = this.replica;
    const abandoned = this.replica.abandoned().length;
    const waiting = dag.pendingCount === 0 ? "" : `, ${dag.pendingCount} waiting for parents${abandoned > 0 ? ` (${abandoned} overdue, still asked for)` : ""}`;
    return `${dag.size} consultation blocks, ${dag.confirmed().length} confirmed${waiting}; ` +
      `${[...this.replicator.perPatient.values()].reduce((n, p) => n + p.blocks, 0)} ledger blocks replicated`;
  }

  /** Nothing new is written; the ledgers finish the block in hand; then the repo closes. */
  async [Symbol.asyncDispose](): Promise<void> {
    for (const w of this.writers) {
      w[Symbol.dispose]();
    }
    await Promise.all([this.replica.stopFetching(), this.replicator.stop()]);
    this.replica[Symbol.dispose]();
    this.certs[Symbol.dispose]();
    await this.store[Symbol.asyncDispose]();
    await new Promise((resolve) => this.trace.end(resolve));
  }
}
