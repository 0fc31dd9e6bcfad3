import { sign as cryptoSign } from "node:crypto";

import { Forwarder } from "@ndn/fw";
import { CertNaming } from "@ndn/keychain";
import { LLSign, type Name, Signer, SigType } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";
import { MemoryLevel } from "memory-level";

import { PatientGateway } from "../gateway/mod.js";
import { readingNameIn } from "../naming/mod.js";
import { LevelStore } from "../repo/mod.js";
import { encodeCompact } from "../util/encode.js";
import { benchIdentities, benchReading, HEART_RATE } from "./bench-identities.js";
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
  // NDNts's part alone: the same reading named, made, signed through the Signer interface with a
  // ready signature (no crypto) and encoded. With raw signing, it bounds what publishing can reach.
  const presigned = presignedSigner(CertNaming.toKeyName(ids.device.cert.name), (await benchReading(ids, 0)).data.sigValue);
  const ndnts = async () => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < readings; ++i) {
      encodeCompact((await benchReading(ids, i, presigned)).data);
    }
    return readings / secondsSince(t);
  };
  await ndnts(); // warm-up
  // The home repo's part alone: raw memory-level puts of a reading's wire, one batch each as the
  // gateway stores them (each reading stored before it is served).
  const wire = encodeCompact((await benchReading(ids, 0)).data);
  const level = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: "view", valueEncoding: "view" });
  const levelPuts = async (round: number) => {
    const keys = Array.from({ length: readings }, (_, i) => readingNameIn(HEART_RATE, round * readings + i).value);
    const t = process.hrtime.bigint();
    for (const key of keys) {
      await level.batch([{ type: "put", key, value: wire }]);
    }
    return readings / secondsSince(t);
  };
  // Five rounds, each publishing, raw signing, NDNts's part and the repo's, and the median round by
  // the ratio of the first two (medianRound).
  const rounds: Array<{ publish: number; rawSign: number; ndnts: number; levelPuts: number }> = [];
  let seq = warmUp;
  for (let round = 0; round < 5; ++round) {
    let t = process.hrtime.bigint();
    for (const end = seq + readings; seq < end; ++seq) {
      await publish(seq);
    }
    await gateway.appender.flush();
    const publishPerSecond = readings / secondsSince(t);
    // Raw: node:crypto's one-shot ECDSA signing of a reading's whole encoding, as many times.
    t = process.hrtime.bigint();
    for (let i = 0; i < readings; ++i) {
      sign();
    }
    const rawSign = readings / secondsSince(t);
    rounds.push({ publish: publishPerSecond, rawSign, ndnts: await ndnts(), levelPuts: await levelPuts(round) });
  }
  const median = medianRound(rounds, (r) => r.publish / r.rawSign);
  fw.close();
  await level.close();
  const { publish: p, rawSign: r, ndnts: n, levelPuts: l } = median;
  return {
    publishReadingsPerSecond: Math.round(p),
    rawSignPerSecond: Math.round(r),
    publishVsRawSign: round2(p / r),
    ndntsDataPerSecond: Math.round(n),
    rawMemoryLevelPutsPerSecond: Math.round(l),
    /** The ratio raw signing, NDNts's part and raw memory-level puts alone would reach: 1 / (1 + r/n + r/l). */
    publishCeiling: round2(1 / (1 + r / n + r / l)),
  };
}

/** Signs with a ready signature value: NDNts's side of signing, without the crypto. */
function presignedSigner(keyName: Name, sigValue: Uint8Array): Signer {
  return {
    async sign(pkt) {
      Signer.putSigInfo(pkt, SigType.Sha256WithEcdsa, keyName);
      await pkt[LLSign.OP](() => Promise.resolve(sigValue));
    },
  };
}
