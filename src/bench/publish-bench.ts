import { Forwarder } from "@ndn/fw";
import { Data, ValidityPeriod } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";

import { PatientGateway } from "../gateway/mod.js";
import { devicePrefix, hospitalPrefix, patientPrefix, readingName } from "../naming/mod.js";
import { LevelStore } from "../repo/mod.js";
import { Reading } from "../sensors/mod.js";
import { certifyKeyPair, deriveEcdsaKeyPair, signEcdsaFixedLength } from "../trust/mod.js";
import { round2, secondsSince } from "./measure.js";

/**
 * Signed readings published per second on one core, against raw synchronous signing of the same
 * bytes, same run. Publishing is what a device and its gateway do for each reading: encode the
 * Reading TLV, name and sign the Data (ECDSA P-256), store it in the home repo, queue it for the
 * ledger (whose blocks are signed too, one per 60 readings) and make it retrievable.
 */
export async function benchPublish(readings: number): Promise<Record<string, number>> {
  const validity = new ValidityPeriod(Date.UTC(2026, 0, 1), Date.UTC(2036, 0, 1));
  const h = await certifyKeyPair(hospitalPrefix("h"), deriveEcdsaKeyPair(1, "h"), undefined, validity);
  const g = await certifyKeyPair(patientPrefix("h", "p"), deriveEcdsaKeyPair(1, "g"), h, validity);
  const deviceKeys = deriveEcdsaKeyPair(1, "d");
  const d = await certifyKeyPair(devicePrefix("h", "p", "pulse-oximeter"), deviceKeys, g, validity);
  const fw = Forwarder.create();
  await using store = LevelStore.memory();
  using gateway = await PatientGateway.open({
    fw, hospital: "h", pid: "p", devices: new Map([["pulse-oximeter", ["heart-rate"]]]), identity: g, store,
    ledger: { everyReadings: 60, everyMs: 1e9 },
  });
  const make = async (seq: number) => {
    const reading = Reading.create(Date.UTC(2026, 1, 1) + seq * 1000, [70 + (seq % 30)]);
    const data = new Data(readingName("h", "p", "pulse-oximeter", "heart-rate", seq), reading.toContent(), Data.FreshnessPeriod(1000));
    await d.signer.sign(data);
    return { data, reading };
  };
  let t = process.hrtime.bigint();
  for (let seq = 0; seq < readings; ++seq) {
    const { data, reading } = await make(seq);
    await gateway.take({ data, did: "pulse-oximeter", stream: "heart-rate", seq, reading });
  }
  await gateway.appender.flush();
  const publishPerSecond = readings / secondsSince(t);
  fw.close();

  // Raw: node:crypto signing of a reading's whole encoding, the same number of times.
  const input = Encoder.encode((await make(readings)).data);
  t = process.hrtime.bigint();
  for (let i = 0; i < readings; ++i) {
    signEcdsaFixedLength(deviceKeys.privateKey, input);
  }
  const rawSignPerSecond = readings / secondsSince(t);
  return {
    publishReadingsPerSecond: Math.round(publishPerSecond),
    rawSignPerSecond: Math.round(rawSignPerSecond),
    publishVsRawSign: round2(publishPerSecond / rawSignPerSecond),
  };
}
