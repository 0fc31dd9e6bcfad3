import { Data, ValidityPeriod } from "@ndn/packet";

import { devicePrefix, hospitalPrefix, patientPrefix, readingNameIn, streamPrefix } from "../naming/mod.js";
import { Reading } from "../sensors/mod.js";
import { certifyKeyPair, deriveEcdsaKeyPair, type EcdsaKeyPair, type Identity } from "../trust/mod.js";

/** The chain of trust a benchmark's readings are made under: hospital `h`, patient `p` (its gateway), device `pulse-oximeter`. */
export interface BenchIdentities {
  hospital: Identity;
  gateway: Identity;
  device: Identity;
  deviceKeys: EcdsaKeyPair;
}

export async function benchIdentities(): Promise<BenchIdentities> {
  const validity = new ValidityPeriod(Date.UTC(2026, 0, 1), Date.UTC(2036, 0, 1));
  const hospital = await certifyKeyPair(hospitalPrefix("h"), deriveEcdsaKeyPair(1, "h"), undefined, validity);
  const gateway = await certifyKeyPair(patientPrefix("h", "p"), deriveEcdsaKeyPair(1, "g"), hospital, validity);
  const deviceKeys = deriveEcdsaKeyPair(1, "d");
  const device = await certifyKeyPair(devicePrefix("h", "p", "pulse-oximeter"), deviceKeys, gateway, validity);
  return { hospital, gateway, device, deviceKeys };
}

/** The stream a benchmark's readings are of. */
export const HEART_RATE = streamPrefix("h", "p", "pulse-oximeter", "heart-rate");

/** Heart-rate reading `seq` of patient `p`, signed by its device (or by `signer`), as a device makes one. */
export async function benchReading(ids: BenchIdentities, seq: number, signer = ids.device.signer): Promise<{ data: Data; reading: Reading }> {
  const reading = Reading.create(Date.UTC(2026, 1, 1) + seq * 1000, [70 + (seq % 30)]);
  const data = new Data(readingNameIn(HEART_RATE, seq), reading.toContent(), Data.FreshnessPeriod(1000));
  await signer.sign(data);
  return { data, reading };
}
