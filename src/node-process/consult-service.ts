import { produce, type Producer } from "@ndn/endpoint";
import type { Forwarder } from "@ndn/fw";
import { Data, type Interest, type Name } from "@ndn/packet";
import { Decoder, Encoder } from "@ndn/tlv";

import type { Clinic, ConsultationReplica } from "../consultation/mod.js";
import { ConsultationRecord } from "../consultation/mod.js";
import { expectName, hospitalPrefix, NameError, showName } from "../naming/mod.js";
import { isTrusted, type TrustVerifier } from "../trust/mod.js";

/** The node's consultation service names: `/<hospital>/consult/<verb>`. */
export function consultServicePrefix(hospital: string): Name {
  return hospitalPrefix(hospital).append("consult");
}

/**
 * `iomt consult add|list|show` talk to a running node through this service, over the node's faces:
 * - `/<h>/consult/submit`, a record (a signed Data) in the Interest's ApplicationParameters: verified
 *   (its author must be a health worker of this hospital) and queued for the next block;
 * - `/<h>/consult/list`: the confirmed order, newest last (JSON lines of block names and records);
 * - `/<h>/consult/show/<record name>`: the record itself, as its author signed it.
 * Answers are small unsigned Data packets (the records inside keep their authors' signatures).
 */
export class ConsultService implements Disposable {
  private readonly producer: Producer;

  constructor(fw: Forwarder, private readonly hospital: string, private readonly replica: ConsultationReplica,
      private readonly clinic: Clinic, private readonly verifier: TrustVerifier) {
    const prefix = consultServicePrefix(hospital);
    this.producer = produce(prefix, (interest) => this.answer(prefix.length, interest), { fw, describe: `consult ${hospital}`, concurrency: 16 });
  }

  private async answer(depth: number, interest: Interest): Promise<Data> {
    const verb = interest.name.get(depth)?.text;
    const reply = (text: string) => new Data(interest.name, new TextEncoder().encode(`${text}\n`), Data.FreshnessPeriod(1));
    switch (verb) {
      case "submit":
        return reply(await this.submit(interest));
      case "list":
        return reply(this.replica.dag.confirmed().slice(-100).map((b) => JSON.stringify({
          block: showName(b.fullName.getPrefix(-1)),
          records: b.block.records.map((r) => showName(r.name)),
        })).join("\n"));
      case "show": {
        const want = interest.name.slice(depth + 1);
        for (const b of this.replica.dag.blocks) {
          const found = b.block.records.find((r) => r.name.equals(want));
          if (found) {
            return new Data(interest.name, Encoder.encode(found), Data.FreshnessPeriod(1));
          }
        }
        return reply(`error: no record ${showName(want)} in the ledger`);
      }
      default:
        return reply(`error: unknown request ${JSON.stringify(verb)} (submit, list, show)`);
    }
  }

  private async submit(interest: Interest): Promise<string> {
    let record: Data;
    try {
      record = new Decoder(interest.appParameters ?? new Uint8Array()).decode(Data);
      ConsultationRecord.fromContent(record.content);
      const r = expectName(record.name, "consultation-record");
      if (r.hospital !== this.hospital) {
        return `error: ${showName(record.name)} is a record of ${r.hospital}, not of ${this.hospital}`;
      }
    } catch (err: unknown) {
      return `error: not a consultation record: ${err instanceof NameError ? err.message : (err as Error).message}`;
    }
    if (!await isTrusted(this.verifier, record)) {
      return `error: ${showName(record.name)} is not signed by its author`;
    }
    try {
      this.clinic.submit(record);
    } catch (err: unknown) {
      return `error: ${(err as Error).message}`;
    }
    return `queued ${showName(record.name)}`;
  }

  [Symbol.dispose](): void {
    this.producer.close();
  }
}
