import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { Certificate } from "@ndn/keychain";
import { Data } from "@ndn/packet";
import { Decoder, Encoder } from "@ndn/tlv";

import { Clinic, ConsultationReplica } from "../consultation/mod.js";
import { TcpListener, UdpPeers } from "../faces/mod.js";
import { hospitalPrefix, nameFromUri, staffPrefix } from "../naming/mod.js";
import { NodeForwarder } from "../node/mod.js";
import { LevelStore } from "../repo/mod.js";
import { CertificateServer, certificatesKeptIn, fetchCertificateOverNdn, type Identity, loadOrCreateAnchor, loadOrEnrol, openKeyChain, TrustVerifier } from "../trust/mod.js";
import type { NodeConfig } from "./config.js";
import { ConsultService } from "./consult-service.js";

/** Where a node keeps its trust anchor for the other members to pin. */
export function anchorFile(dataDir: string): string {
  return path.join(dataDir, "anchor.cert");
}

/** Create (or load) a hospital's keys and write its anchor certificate out: `iomt node init`. */
export async function initHospital(config: NodeConfig): Promise<{ anchor: Identity; registrar: Identity; doctor: Identity }> {
  await mkdir(config.dataDir, { recursive: true });
  const keys = openKeyChain(config.dataDir);
  const anchor = await loadOrCreateAnchor(keys, hospitalPrefix(config.name));
  const registrar = await loadOrEnrol(keys, staffPrefix(config.name, "registrar"), anchor);
  const doctor = await loadOrEnrol(keys, staffPrefix(config.name, "doctor1"), anchor);
  await writeFile(anchorFile(config.dataDir), `${Buffer.from(Encoder.encode(anchor.cert.data)).toString("base64")}\n`);
  await new Promise((r) => setTimeout(r, 300)); // the NDNts file keychain saves 200 ms after a change
  return { anchor, registrar, doctor };
}

/**
 * A hospital as a long-running process: its forwarder inside the node layer, UDP faces to its
 * peers (and optionally a TCP listener), its keys and LevelDB repo under its data directory, and
 * the consultation ledger replicated with the other hospitals. A restart resumes from the repo.
 */
export class IomtNode implements AsyncDisposable {
  private constructor(
    private readonly node: NodeForwarder,
    private readonly store: LevelStore,
    readonly replica: ConsultationReplica,
    private readonly clinic: Clinic,
    private readonly certs: CertificateServer,
    private readonly service: ConsultService,
    private readonly listener?: TcpListener,
    private readonly udp?: UdpPeers,
  ) {}

  static async start(config: NodeConfig): Promise<IomtNode> {
    const { anchor, registrar, doctor } = await initHospital(config);
    const anchors = [anchor.cert];
    for (const file of config.anchors) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch {
        throw new Error(`anchor ${file} is missing: run "iomt node init" for that hospital first`);
      }
      anchors.push(Certificate.fromData(new Decoder(Buffer.from(text.trim(), "base64")).decode(Data)));
    }
    const node = new NodeForwarder();
    const udp = config.udpListen === undefined ? undefined : await UdpPeers.bind(node.fw, config.udpListen);
    for (const p of config.udpPeers) {
      udp!.add(p.host, p.port, p.routes.map((r) => nameFromUri(r)));
    }
    const listener = config.tcpListen === undefined ? undefined : await TcpListener.listen({ fw: node.fw, port: config.tcpListen });
    const certs = new CertificateServer(node.fw);
    for (const id of [anchor, registrar, doctor]) {
      certs.add(id.cert);
    }
    const store = await LevelStore.open(path.join(config.dataDir, "repo"));
    // The repo keeps every certificate the ledger needs, so a copy can be verified offline.
    await store.insert(anchor.cert.data, registrar.cert.data, doctor.cert.data);
    const verifier = new TrustVerifier({ anchors, fetchCertificate: certificatesKeptIn(store, fetchCertificateOverNdn(node.fw)) });
    const replica = await ConsultationReplica.create({
      fw: node.fw, consortium: config.consortium, hospital: config.name, members: config.members, registrar, store, verifier,
    });
    const clinic = new Clinic({
      hospital: config.name, consortium: config.consortium, replica, doctors: [doctor],
      writeEveryMs: config.writeEveryMs, writeForMs: config.writeForMs, commitEveryMs: config.commitEveryMs,
    });
    const service = new ConsultService(node.fw, config.name, replica, clinic, verifier);
    return new IomtNode(node, store, replica, clinic, certs, service, listener, udp);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.service[Symbol.dispose]();
    this.clinic[Symbol.dispose]();
    await this.replica.settled();
    this.replica[Symbol.dispose]();
    this.certs[Symbol.dispose]();
    await this.listener?.[Symbol.asyncDispose]();
    await this.udp?.[Symbol.asyncDispose]();
    this.node.close();
    await this.store[Symbol.asyncDispose]();
  }
}
