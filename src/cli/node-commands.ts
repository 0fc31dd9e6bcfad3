import { readFile } from "node:fs/promises";

import { Certificate } from "@ndn/keychain";
import { Data } from "@ndn/packet";
import { Decoder } from "@ndn/tlv";
import type { Command } from "commander";

import { ConsultationDag } from "../consultation/mod.js";
import { consultationPrefix, showName } from "../naming/mod.js";
import { IomtNode, initHospital, readNodeConfig } from "../node-process/mod.js";
import { LevelStore } from "../repo/mod.js";
import { certificatesFromStore, syncCertificateVerifier, TrustVerifier } from "../trust/mod.js";

/** `iomt node` and `iomt consult`. */
export function addNodeCommands(program: Command): void {
  const node = program.command("node")
    .description("run a hospital as a long-running process (docs/node.md); SIGINT or SIGTERM stops it cleanly")
    .option("--config <file>", "the node's configuration (JSON)")
    .passThroughOptions()
    .action(async (o: { config?: string }) => {
      if (!o.config) {
        throw new Error("--config <file> is required");
      }
      const config = await readNodeConfig(o.config);
      await using running = await IomtNode.start(config);
      console.log(`node ${config.name} running: consortium ${config.consortium}, ${config.udpPeers.length} UDP peers${config.tcpListen ? `, TCP on ${config.tcpListen}` : ""}`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      console.log(`node ${config.name} stopping: ${running.replica.dag.blocks.length} blocks, ${running.replica.dag.confirmed().length} confirmed`);
    });
  node.command("init")
    .description("create a hospital node's keys and write its trust anchor to <dataDir>/anchor.cert for the other members")
    .requiredOption("--config <file>", "the node's configuration (JSON)")
    .action(async (o: { config: string }) => {
      const config = await readNodeConfig(o.config);
      const { anchor } = await initHospital(config);
      console.log(`node ${config.name}: trust anchor ${showName(anchor.cert.name)}`);
    });

  const consult = program.command("consult").description("the consultation ledger");
  consult.command("verify")
    .description("rebuild a hospital's copy of the consultation ledger from its repo: verify every block, print the confirmed order")
    .requiredOption("--store <dir>", "the hospital's repo")
    .requiredOption("--consortium <name>", "the consortium")
    .requiredOption("--members <list>", "comma-separated member hospitals")
    .requiredOption("--anchors <files...>", "every member's anchor certificate file")
    .action(async (o: { store: string; consortium: string; members: string; anchors: string[] }) => {
      await using store = await LevelStore.open(o.store);
      const anchors = await Promise.all(o.anchors.map(async (f) => Certificate.fromData(new Decoder(Buffer.from((await readFile(f, "utf8")).trim(), "base64")).decode(Data))));
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
      for (const e of dag.equivocations) {
        console.log(`equivocation by ${e.hospital} at height ${e.height}: ${e.blocks.join(" vs ")}`);
      }
      for (const b of dag.confirmed()) {
        console.log(`confirmed ${showName(b.fullName.getPrefix(-1))} ${b.block.recordWires.length} records`);
      }
      console.log(`${dag.blocks.length} blocks, ${dag.confirmed().length} confirmed, ${dag.pendingCount} waiting for parents, ${dag.equivocations.length} equivocations, ${bad} rejected`);
      process.exitCode = bad > 0 ? 1 : 0;
    });
}
