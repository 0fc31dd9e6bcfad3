import { Forwarder } from "@ndn/fw";
import { Certificate, CertNaming } from "@ndn/keychain";
import type { Name } from "@ndn/packet";
import { toHex } from "@ndn/util";
import type { Command } from "commander";

import { fullName, LedgerBlock, verifyLedger } from "../ledger/mod.js";
import { expectName, hospitalPrefix, ledgerPrefix, nameFromUri, showName } from "../naming/mod.js";
import { StreamListener } from "../faces/mod.js";
import { exportStore, importTape, LevelStore, RepoProducer } from "../repo/mod.js";
import { certificatesFromStore, readCertificateFile, syncCertificateVerifier, TrustVerifier } from "../trust/mod.js";

/** `iomt ledger ...` and `iomt repo ...`. */
export function addLedgerCommands(program: Command): void {
  const ledger = program.command("ledger").description("medical-devices ledgers kept in a repo");
  ledger.command("verify")
    .description("verify a patient's ledger in a repo: signatures, heights, hash links, committed readings; exits 1 on any problem")
    .requiredOption("--store <dir>", "the repo (a LevelDB folder, e.g. results/run-*/nodes/stmary/repo)")
    .requiredOption("--patient <name>", "the patient's prefix, e.g. /stmary/patient/alice")
    .option("--anchor <file>", "the hospital's trust anchor certificate (base64 or binary); default: the one in the repo")
    .action(async (o: { store: string; patient: string; anchor?: string }) => {
      const { hospital, pid } = expectName(nameFromUri(o.patient), "patient");
      await using store = await LevelStore.open(o.store);
      const anchor = o.anchor ? await readCertificateFile(o.anchor) : await anchorInStore(store, hospital);
      if (!o.anchor) {
        console.log(`trust anchor ${showName(anchor.name)} taken from the repo (pass --anchor to pin one)`);
      }
      let at = Date.now();
      const verifier = new TrustVerifier({
        anchors: [anchor], fetchCertificate: certificatesFromStore(store), importVerifier: syncCertificateVerifier, now: () => at,
      });
      const report = await verifyLedger(store, hospital, pid, verifier, { atBlockTime: (t) => (at = t) });
      for (const p of report.problems) {
        console.log(`block ${p.block}${p.reading ? `, reading ${p.reading}` : ""}: ${p.reason}`);
      }
      console.log(`ledger ${report.patient}: ${report.blocks} blocks, ${report.readingsCommitted} readings committed: ${report.problems.length === 0 ? "OK" : `${report.problems.length} problem(s)`}`);
      process.exitCode = report.problems.length === 0 ? 0 : 1;
    });
  ledger.command("show")
    .description("print a patient's ledger block by block")
    .requiredOption("--store <dir>", "the repo")
    .requiredOption("--patient <name>", "the patient's prefix, e.g. /stmary/patient/alice")
    .option("--readings", "list the committed readings too")
    .action(async (o: { store: string; patient: string; readings?: boolean }) => {
      const { hospital, pid } = expectName(nameFromUri(o.patient), "patient");
      await using store = await LevelStore.open(o.store);
      let shown = 0;
      for await (const name of store.listNames(ledgerPrefix(hospital, pid))) {
        const data = (await store.get(name))!;
        const block = LedgerBlock.fromContent(data.content);
        const digest = toHex(fullName(data).get(-1)!.value).slice(0, 16);
        const prev = block.prev ? toHex(block.prev.get(-1)!.value).slice(0, 16) : block.patientCert ? `genesis, bound to ${showName(block.patientCert.getPrefix(-1))}` : "none";
        console.log(`block ${block.height}  ${new Date(block.time).toISOString()}  ${block.committed.length} readings  digest ${digest}  prev ${prev}`);
        if (o.readings) {
          for (const c of block.committed) {
            console.log(`    ${showName(c.getPrefix(-1))}`);
          }
        }
        ++shown;
      }
      if (shown === 0) {
        throw new Error(`no ledger of ${o.patient} in ${o.store}`);
      }
    });

  const repo = program.command("repo").description("repos: serve, export, import");
  repo.command("serve")
    .description("serve a repo to NDN peers over TCP (e.g. an NFD face: nfdc face create tcp4://HOST:PORT) until interrupted")
    .requiredOption("--store <dir>", "the repo")
    .option("--listen <host:port>", "address to listen on", "127.0.0.1:6363")
    .option("--prefix <name...>", "prefixes to serve (default: the first component of every name in the repo)")
    .action(async (o: { store: string; listen: string; prefix?: string[] }) => {
      const m = /^(.*):(\d+)$/.exec(o.listen);
      if (!m) {
        throw new Error(`--listen ${o.listen}: expected host:port`);
      }
      await using store = await LevelStore.open(o.store);
      const prefixes = o.prefix?.map((p) => nameFromUri(p)) ?? await topPrefixes(store);
      const fw = Forwarder.create();
      using _producer = new RepoProducer(fw, store, prefixes);
      await using listener = await StreamListener.listen({ fw, host: m[1]!, port: Number(m[2]) });
      console.log(`serving ${await store.count()} packets under ${prefixes.map((p) => showName(p)).join(" ")} on tcp://${m[1]}:${listener.port}`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      fw.close();
    });
  repo.command("export")
    .description("write every packet of a repo as concatenated Data TLV (DataTape format)")
    .requiredOption("--store <dir>", "the repo")
    .requiredOption("--out <file>", "the file to write")
    .action(async (o: { store: string; out: string }) => {
      await using store = await LevelStore.open(o.store);
      console.log(`exported ${await exportStore(store, o.out)} packets to ${o.out}`);
    });
  repo.command("import")
    .description("read concatenated Data TLV into a repo; a malformed file keeps what was valid before the fault")
    .requiredOption("--store <dir>", "the repo (created if needed)")
    .requiredOption("--in <file>", "the file to read")
    .action(async (o: { store: string; in: string }) => {
      await using store = await LevelStore.open(o.store);
      const r = await importTape(store, o.in);
      if (r.error) {
        throw new Error(`${o.in}: malformed at octet ${r.error.offset} (${r.error.message}); the ${r.imported} packets before it were imported`);
      }
      console.log(`imported ${r.imported} packets into ${o.store}`);
    });
}

/** The distinct first components of a repo's names. */
async function topPrefixes(store: LevelStore): Promise<Name[]> {
  const seen = new Map<string, Name>();
  for await (const name of store.listNames()) {
    const top = name.getPrefix(1);
    seen.set(top.valueHex, top);
  }
  return [...seen.values()];
}

async function anchorInStore(store: LevelStore, hospital: string): Promise<Certificate> {
  for await (const data of store.listData(hospitalPrefix(hospital).append(CertNaming.KEY))) {
    const cert = Certificate.fromData(data);
    if (cert.isSelfSigned) {
      return cert;
    }
  }
  throw new Error(`no trust anchor of ${hospital} in the repo: pass --anchor FILE`);
}
