import { sign as cryptoSign } from "node:crypto";

import { Forwarder } from "@ndn/fw";
import { CertNaming } from "@ndn/keychain";
import { LLSign, type Name, Signer, SigType } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";

import { PatientGateway } from "../gateway/mod.js";
import { LevelStore } from "../repo/mod.js";
import { encodeCompact } from "../util/encode.js";
import { benchIdentities, benchReading } from "./bench-identities.js";
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
  // Five rounds, each publishing then raw signing, and the median round's ratio (medianRound).
  const rounds: Array<{ publish: number; rawSign: number }> = [];
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
    rounds.push({ publish: publishPerSecond, rawSign: readings / secondsSince(t) });
  }
  const median = medianRound(rounds, (r) => r.publish / r.rawSign);
  fw.close();

  // NDNts's part alone: the same reading named, made, signed through the Signer interface with a
  // ready signature (no crypto) and encoded. With raw signing, it bounds what publishing can reach.
  const presigned = presignedSigner(CertNaming.toKeyName(ids.device.cert.name), (await benchReading(ids, 0)).data.sigValue);
  const t = process.hrtime.bigint();
  for (let i = 0; i < readings; ++i) {
    encodeCompact((await benchReading(ids, i, presigned)).data);
  }
  const ndntsDataPerSecond = readings / secondsSince(t);
  return {
    publishReadingsPerSecond: Math.round(median.publish),
    rawSignPerSecond: Math.round(median.rawSign),
    publishVsRawSign: round2(median.publish / median.rawSign),
    ndntsDataPerSecond: Math.round(ndntsDataPerSecond),
    /** The ratio NDNts's part and raw signing alone would reach. */
    publishCeiling: round2(ndntsDataPerSecond / (ndntsDataPerSecond + median.rawSign)),
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
