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
  let t = process.hrtime.bigint();
  for (let seq = 0; seq < readings; ++seq) {
    const { data, reading } = await benchReading(ids, seq);
    await gateway.take({ data, did: "pulse-oximeter", stream: "heart-rate", seq, reading });
  }
  await gateway.appender.flush();
  const publishPerSecond = readings / secondsSince(t);
  fw.close();

  // Raw: node:crypto's one-shot ECDSA signing of a reading's whole encoding, as many times.
  const input = Encoder.encode((await benchReading(ids, readings)).data);
  t = process.hrtime.bigint();
  for (let i = 0; i < readings; ++i) {
    cryptoSign("sha256", input, ids.deviceKeys.privateKey);
  }
  const rawSignPerSecond = readings / secondsSince(t);
  return {
    publishReadingsPerSecond: Math.round(publishPerSecond),
    rawSignPerSecond: Math.round(rawSignPerSecond),
    publishVsRawSign: round2(publishPerSecond / rawSignPerSecond),
  };
}
