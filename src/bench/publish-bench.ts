import { sign as cryptoSign } from "node:crypto";

import { Forwarder } from "@ndn/fw";
import { CertNaming } from "@ndn/keychain";
import { Data, type Name } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";
import { MemoryLevel } from "memory-level";

import { PatientGateway } from "../gateway/mod.js";
import { ledgerBlockName, readingNameIn } from "../naming/mod.js";
import { LevelStore } from "../repo/mod.js";
import { Reading } from "../sensors/mod.js";
import { benchIdentities, benchReading, HEART_RATE } from "./bench-identities.js";
import { publishWithDependencies } from "./dependencies-only.js";
import { medianRound, round2, secondsSince } from "./measure.js";

/**
 * Signed readings published per second on one core, against raw synchronous signing of the same
 * bytes, same run. Publishing is what a device and its gateway do for each reading: encode the
 * Reading TLV, name and sign the Data (ECDSA P-256), store it in the home repo, queue it for the
 * ledger (whose blocks are signed too, one per 60 readings) and make it retrievable.
 */
export async function benchPublish(readings: number): Promise<Record<string, number>> {
  const ids = await benchIdentities();
  const fw = Forwarder.create();
  await using store = LevelStore.memory();
  using gateway = await PatientGateway.open({
    fw, hospital: "h", pid: "p", devices: new Map([["pulse-oximeter", ["heart-rate"]]]), identity: ids.gateway, store,
    ledger: { everyReadings: 60, everyMs: 1e9 },
  });
  // A first tenth unmeasured, on each side: the JIT compiler is still warming up in it.
  const warmUp = Math.ceil(readings / 10);
  const publish = async (seq: number) => {
    const { data, reading } = await benchReading(ids, seq);
    await gateway.take({ data, did: "pulse-oximeter", stream: "heart-rate", seq, reading });
  };
  for (let seq = 0; seq < warmUp; ++seq) {
    await publish(seq);
  }
  const input = Encoder.encode((await benchReading(ids, 0)).data);
  const sign = () => cryptoSign("sha256", input, ids.deviceKeys.privateKey);
  for (let i = 0; i < warmUp; ++i) {
    sign();
  }
  // The pinned dependencies' part alone, in sequence as publishing does it, with nothing of ours
  // but naming: the Reading encoded, the Data made and signed through NDNts's signing interface
  // with raw node:crypto signing, hashed for the ledger (with a signed block every 60 readings),
  // encoded and put in memory-level, one batch each as the gateway stores them. Publishing
  // cannot be faster than this.
  const level = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: "view", valueEncoding: "view" });
  const keyName = CertNaming.toKeyName(ids.device.cert.name);
  const signAndStore = (data: Data) => publishWithDependencies(data, keyName, ids.deviceKeys.privateKey, level);
  const dependenciesOnly = async (round: number) => {
    const committed: Name[] = [];
    const t = process.hrtime.bigint();
    for (let i = 0; i < readings; ++i) {
      const seq = (round + 1) * readings + i;
      const reading = Reading.create(Date.UTC(2026, 1, 1) + seq * 1000, [70 + (seq % 30)]);
      committed.push(await signAndStore(new Data(readingNameIn(HEART_RATE, seq), reading.toContent(), Data.FreshnessPeriod(1000))));
      if (committed.length === 60) {
        await signAndStore(new Data(ledgerBlockName("h", "p", seq), Encoder.encode(committed.splice(0)), Data.FreshnessPeriod(60_000)));
      }
    }
    return readings / secondsSince(t);
  };
  await dependenciesOnly(-1); // warm-up
  let seq = warmUp;
  const publishing = async () => {
    const t = process.hrtime.bigint();
    for (const end = seq + readings; seq < end; ++seq) {
      await publish(seq);
    }
    await gateway.appender.flush();
    return readings / secondsSince(t);
  };
  // Raw: node:crypto's one-shot ECDSA signing of a reading's whole encoding, as many times.
  const rawSigning = () => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < readings; ++i) {
      sign();
    }
    return readings / secondsSince(t);
  };
  // Five rounds, each publishing, raw signing and the dependencies' part alone, and the median
  // round by the ratio of the first two (medianRound). Publishing and the dependencies' part take
  // turns at going first, so that neither always pays for the other's garbage.
  const rounds: Array<{ publish: number; rawSign: number; dependenciesOnly: number }> = [];
  for (let round = 0; round < 5; ++round) {
    if (round % 2 === 0) {
      const publish = await publishing();
      const rawSign = rawSigning();
      rounds.push({ publish, rawSign, dependenciesOnly: await dependenciesOnly(round) });
    } else {
      const dependencies = await dependenciesOnly(round);
      const rawSign = rawSigning();
      rounds.push({ dependenciesOnly: dependencies, rawSign, publish: await publishing() });
    }
  }
  const median = medianRound(rounds, (r) => r.publish / r.rawSign);
  fw.close();
  await level.close();
  const { publish: p, rawSign: r, dependenciesOnly: d } = median;
  return {
    publishReadingsPerSecond: Math.round(p),
    rawSignPerSecond: Math.round(r),
    publishVsRawSign: round2(p / r),
    dependenciesOnlyPerSecond: Math.round(d),
    /** The ratio the dependencies' part alone reaches: what publishing could at best. */
    publishCeiling: round2(d / r),
  };
}
