import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { consume } from "@ndn/endpoint";
import { Forwarder } from "@ndn/fw";
import { TcpTransport } from "@ndn/node-transport";
import { Data, Interest } from "@ndn/packet";
import { Decoder, Encoder } from "@ndn/tlv";
import { type Command, Option } from "commander";

import { ConsultationDag, ConsultationRecord, RecordKind, recordToFhir, writeRecord } from "../consultation/mod.js";
import { consultationPrefix, hospitalPrefix, nameFromUri, showName, staffPrefix } from "../naming/mod.js";
import { consultServicePrefix, initHome, initHospital, IomtNode, readNodeConfig } from "../node-process/mod.js";
import { LevelStore } from "../repo/mod.js";
import { certificatesFromStore, loadIdentity, openKeyChain, readCertificateFile, syncCertificateVerifier, TrustVerifier } from "../trust/mod.js";

/** How long a node may take to stop cleanly before it exits anyway. */
const STOP_TIMEOUT_MS = 15_000;

/** `iomt node` and `iomt consult`. */
export function addNodeCommands(program: Command): void {
  const node = program.command("node")
    .description("run a hospital, home gateway or router as a long-running process (docs/node.md); SIGINT or SIGTERM stops it cleanly")
    .option("--config <file>", "the node's configuration (JSON)")
    .passThroughOptions()
    .action(async (o: { config?: string }) => {
      if (!o.config) {
        throw new Error("--config <file> is required");
      }
      const config = await readNodeConfig(o.config);
      const running = await IomtNode.start(config);
      console.log(`node running: ${running.describe()}`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      console.log(`node stopping: ${running.describe()}`);
      // A stop that does not finish (a peer that never answers) must not keep the process alive.
      const watchdog = setTimeout(() => {
        console.error(`node ${config.name}: shutdown took more than ${STOP_TIMEOUT_MS / 1000} s; exiting`);
        process.exit(1);
      }, STOP_TIMEOUT_MS);
      await running[Symbol.asyncDispose]();
      clearTimeout(watchdog);
      if (config.dataDir) {
        await mkdir(config.dataDir, { recursive: true }); // a router keeps no keys, so nothing made its folder
        await writeFile(path.join(config.dataDir, "stats.json"), `${JSON.stringify(running.stats(), undefined, 2)}\n`);
      }
      // Stopped cleanly, repo closed: timers left in the libraries (NDNts retransmissions) may not
      // hold the process.
      process.exit(0);
    });
  node.command("init")
    .description("make a node's keys: a hospital's anchor (written to <dataDir>/anchor.cert for the other members), or a home's gateway and device keys, issued by its hospital")
    .requiredOption("--config <file>", "the node's configuration (JSON)")
    .option("--issuer <dir>", "role=home: the data directory of the hospital that issues the home's certificates")
    .action(async (o: { config: string; issuer?: string }) => {
      const config = await readNodeConfig(o.config);
      switch (config.role) {
        case "hospital": {
          const { anchor } = await initHospital(config);
          console.log(`hospital ${config.name}: trust anchor ${showName(anchor.cert.name)}`);
          break;
        }
        case "home":
          if (!o.issuer) {
            throw new Error(`home ${config.name}: --issuer <dir> is required: the data directory of hospital ${config.home.hospital}, which issues its certificates`);
          }
          await initHome(config, o.issuer);
          console.log(`home ${config.name}: gateway and device keys for ${config.home.patients.map((p) => p.pid).join(", ")}, issued by ${config.home.hospital}`);
          break;
        case "router":
          console.log(`router ${config.name}: nothing to initialise (a router keeps no keys)`);
      }
    });

  const consult = program.command("consult").description("the consultation ledger");
  consult.command("add")
    .description("write a consultation record, signed by its author, and submit it to the author's hospital node")
    .requiredOption("--node <host:port>", "the node's TCP address (its tcpListen)")
    .requiredOption("--hospital <name>", "the hospital")
    .requiredOption("--data <dir>", "where the author's key is (the node's data directory)")
    .option("--author <wid>", "the health worker", "doctor1")
    .option("--consortium <name>", "the consortium", "iomt")
    .addOption(new Option("--kind <kind>", "what the record is").choices(["note", "diagnosis", "prescription", "referral"]).default("note"))
    .requiredOption("--patient <name>", "the patient's prefix, e.g. /stmary/patient/alice")
    .requiredOption("--text <text>", "the record's text")
    .option("--code <system|code>", "a coded concept, e.g. http://snomed.info/sct|91302008")
    .action(async (o: { node: string; hospital: string; data: string; author: string; consortium: string; kind: string; patient: string; text: string; code?: string }) => {
      const author = await loadIdentity(openKeyChain(o.data), staffPrefix(o.hospital, o.author));
      const kind = { note: RecordKind.Note, diagnosis: RecordKind.Diagnosis, prescription: RecordKind.Prescription, referral: RecordKind.Referral }[o.kind]!;
      const record = await writeRecord(author, o.consortium, Date.now(), { kind, patient: nameFromUri(o.patient), text: o.text, code: o.code });
      const interest = new Interest(consultServicePrefix(o.hospital).append("submit"), Interest.Lifetime(4000));
      interest.appParameters = Encoder.encode(record);
      await interest.updateParamsDigest();
      console.log(await askNode(o.node, o.hospital, interest));
    });
  consult.command("list")
    .description("list the newest confirmed blocks and their records, as a running node sees them")
    .requiredOption("--node <host:port>", "the node's TCP address")
    .requiredOption("--hospital <name>", "the node's hospital")
    .action(async (o: { node: string; hospital: string }) => {
      console.log(await askNode(o.node, o.hospital, new Interest(consultServicePrefix(o.hospital).append("list"), Interest.MustBeFresh)));
    });
  consult.command("show")
    .description("show a record from a running node's ledger, and its FHIR resource")
    .requiredOption("--node <host:port>", "the node's TCP address")
    .requiredOption("--hospital <name>", "the node's hospital")
    .requiredOption("--record <name>", "the record's name")
    .action(async (o: { node: string; hospital: string; record: string }) => {
      const name = nameFromUri(o.record);
      const reply = await askNodeData(o.node, o.hospital, new Interest(consultServicePrefix(o.hospital).append("show").append(...name.comps), Interest.MustBeFresh));
      const text = new TextDecoder().decode(reply.content);
      if (text.startsWith("error:")) {
        throw new Error(text.slice(7).trim());
      }
      const record = new Decoder(reply.content).decode(Data);
      console.log(JSON.stringify(recordToFhir(record.name, ConsultationRecord.fromContent(record.content)), undefined, 2));
    });
  consult.command("verify")
    .description("rebuild a hospital's copy of the consultation ledger from its repo: verify every block, print the confirmed order")
    .requiredOption("--store <dir>", "the hospital's repo")
    .requiredOption("--consortium <name>", "the consortium")
    .requiredOption("--members <list>", "comma-separated member hospitals")
    .requiredOption("--anchors <files...>", "every member's anchor certificate file")
    .action(async (o: { store: string; consortium: string; members: string; anchors: string[] }) => {
      await using store = await LevelStore.open(o.store);
      const anchors = await Promise.all(o.anchors.map((f) => readCertificateFile(f, "an anchor is written by \"iomt node init\"")));
      const verifier = new TrustVerifier({ anchors, fetchCertificate: certificatesFromStore(store), importVerifier: syncCertificateVerifier });
      const dag = new ConsultationDag(o.consortium, o.members.split(","));
      let bad = 0;
      for await (const block of store.listData(consultationPrefix(o.consortium))) {
        try {
          await verifier.verify(block);
        } catch (err: unknown) {
          ++bad;
          console.log(`rejected ${showName(block.name)}: ${(err as Error).message}`);
          continue;
        }
        dag.add(block);
      }
      for (const b of dag.brokenLinks) {
        console.log(`broken link at ${b.block}: ${b.reason}`);
      }
      for (const e of dag.equivocations) {
        console.log(`equivocation by ${e.hospital} at height ${e.height}: ${e.blocks.join(" vs ")}`);
      }
      for (const b of dag.confirmed()) {
        console.log(`confirmed ${showName(b.fullName.getPrefix(-1))} ${b.block.recordWires.length} records`);
      }
      console.log(`${dag.size} blocks, ${dag.confirmed().length} confirmed, ${dag.pendingCount} waiting for parents, ${dag.equivocations.length} equivocations, ${bad} rejected`);
      process.exitCode = bad > 0 ? 1 : 0;
    });
}

/** Express one Interest to a running node over TCP and return its Data. */
async function askNodeData(address: string, hospital: string, interest: Interest): Promise<Data> {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) {
    throw new Error(`--node ${address}: expected host:port`);
  }
  const fw = Forwarder.create();
  try {
    await TcpTransport.createFace({ fw, addRoutes: [hospitalPrefix(hospital)] }, m[1]!, Number(m[2]));
    return await consume(interest, { fw });
  } finally {
    fw.close();
  }
}

async function askNode(address: string, hospital: string, interest: Interest): Promise<string> {
  const text = new TextDecoder().decode((await askNodeData(address, hospital, interest)).content).trim();
  if (text.startsWith("error:")) {
    throw new Error(text.slice(7));
  }
  return text;
}
