import path from "node:path";

import type { Forwarder } from "@ndn/fw";
import type { Name } from "@ndn/packet";

import { PatientGateway } from "../gateway/mod.js";
import { patientPrefix, type StreamId } from "../naming/mod.js";
import { LevelStore } from "../repo/mod.js";
import { deviceKit, MedicalDevice, Physiology } from "../sensors/mod.js";
import { CertificateServer } from "../trust/mod.js";
import type { NodeConfig } from "./config.js";
import { readCertificateFile } from "../trust/mod.js";
import { anchorFile, loadHome } from "./provision.js";

/**
 * A home gateway on its node: for each patient, the devices sampling and signing readings, and the
 * gateway serving them, keeping them in the home repo and committing them to the patient's
 * medical-devices ledger. A restart goes on from the repo: the same chain, the next sequence numbers.
 */
export class HomeRole implements AsyncDisposable {
  private constructor(
    readonly gateways: Map<string, PatientGateway>,
    /** Prefixes this node serves (registered with a local NFD). */
    readonly prefixes: Name[],
    private readonly devices: MedicalDevice[],
    private readonly certs: CertificateServer,
    private readonly store: LevelStore,
  ) {}

  static async start(fw: Forwarder, config: NodeConfig & { role: "home" }): Promise<HomeRole> {
    const { hospital, patients, ledgerEveryReadings, ledgerEveryMs } = config.home;
    const ids = await loadHome(config);
    const store = await LevelStore.open(path.join(config.dataDir, "repo"));
    const anchor = await readCertificateFile(anchorFile(config.dataDir), "run \"iomt node init --issuer\" for this home first");
    await store.insert(anchor.data); // a copy of the ledger can be verified from this repo alone
    const certs = new CertificateServer(fw);
    const gateways = new Map<string, PatientGateway>();
    const devices: MedicalDevice[] = [];
    for (const p of patients) {
      const { gateway, devices: deviceIds } = ids.get(p.pid)!;
      certs.add(gateway.cert);
      const kit = deviceKit(p.streams);
      const gw = await PatientGateway.open({
        fw, hospital, pid: p.pid, devices: kit, identity: gateway, store,
        ledger: { everyReadings: ledgerEveryReadings, everyMs: ledgerEveryMs },
      });
      gateways.set(p.pid, gw);
      const physiology = new Physiology(0, `${hospital}/${p.pid}`);
      for (const [did, streams] of kit) {
        const identity = deviceIds.get(did)!;
        certs.add(identity.cert);
        await store.insert(identity.cert.data);
        devices.push(new MedicalDevice({
          hospital, pid: p.pid, did, streams, physiology, identity,
          rateHz: Object.fromEntries(streams.map((s) => [s, p.rateHz])),
          firstSeq: Object.fromEntries(streams.map((s) => [s, gw.nextSeqs.get(`${did}/${s}`) ?? 0])) as Partial<Record<StreamId, number>>,
          emit: (r) => void gw.take(r),
        }));
      }
    }
    return new HomeRole(gateways, patients.map((p) => patientPrefix(hospital, p.pid)), devices, certs, store);
  }

  describe(): string {
    return [...this.gateways].map(([pid, g]) => `${pid}: ${g.publisher.published} readings, ${g.appender.blocks} ledger blocks`).join("; ");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.devices.map((d) => d.stop()));
    for (const g of this.gateways.values()) {
      await g.appender.flush(); // what waits goes into a last block
      g[Symbol.dispose]();
    }
    this.certs[Symbol.dispose]();
    await this.store[Symbol.asyncDispose]();
  }
}
