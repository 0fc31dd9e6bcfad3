import { sign as cryptoSign } from "node:crypto";

import { Forwarder } from "@ndn/fw";
import { Encoder } from "@ndn/tlv";

import { PatientGateway } from "../gateway/mod.js";
import { LevelStore } from "../repo/mod.js";
import { benchIdentities, benchReading } from "./bench-identities.js";
import { round2, secondsSince } from "./measure.js";

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
  // Alternating, three rounds each, keeping the best: a run here varies by a tenth or more.
  let [publishPerSecond, rawSignPerSecond] = [0, 0];
  let seq = warmUp;
  for (let round = 0; round < 3; ++round) {
    let t = process.hrtime.bigint();
    for (const end = seq + readings; seq < end; ++seq) {
      await publish(seq);
    }
    await gateway.appender.flush();
    publishPerSecond = Math.max(publishPerSecond, readings / secondsSince(t));
    // Raw: node:crypto's one-shot ECDSA signing of a reading's whole encoding, as many times.
    t = process.hrtime.bigint();
    for (let i = 0; i < readings; ++i) {
      sign();
    }
    rawSignPerSecond = Math.max(rawSignPerSecond, readings / secondsSince(t));
  }
  fw.close();
  return {
    publishReadingsPerSecond: Math.round(publishPerSecond),
    rawSignPerSecond: Math.round(rawSignPerSecond),
    publishVsRawSign: round2(publishPerSecond / rawSignPerSecond),
  };
}
