import { Forwarder } from "@ndn/fw";
import { KeyChain } from "@ndn/keychain";
import { Data } from "@ndn/packet";
import { beforeAll, expect, test } from "vitest";

import { DoctorApp, type ReceivedAlarm } from "../src/doctor/mod.js";
import { ReadingPublisher } from "../src/gateway/mod.js";
import { AlarmKind, LiveMonitor } from "../src/monitor/mod.js";
import { alarmName, devicePrefix, hospitalPrefix, monitorPrefix, patientPrefix, readingName, type StreamId } from "../src/naming/mod.js";
import { StreamProducer } from "../src/streams/mod.js";
import { deviceKit, Reading } from "../src/sensors/mod.js";
import {
  CertificateServer, fetchCertificateOverNdn, type Identity, loadOrCreateAnchor, loadOrEnrol, TrustVerifier,
} from "../src/trust/mod.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kit = deviceKit();
let hospital: Identity;
let monitorId: Identity;
let devices: Map<string, Identity>;

beforeAll(async () => {
  const keys = KeyChain.createTemp();
  hospital = await loadOrCreateAnchor(keys, hospitalPrefix("h"));
  monitorId = await loadOrEnrol(keys, monitorPrefix("h"), hospital);
  const gateway = await loadOrEnrol(keys, patientPrefix("h", "p"), hospital);
  devices = new Map();
  for (const did of kit.keys()) {
    devices.set(did, await loadOrEnrol(keys, devicePrefix("h", "p", did), gateway));
  }
  devices.set("gateway", gateway);
});

/** A signed reading of patient p, as a device would make it. */
async function reading(stream: StreamId, seq: number, values: number[], signer?: Identity): Promise<Data> {
  const did = [...kit].find(([, s]) => s.includes(stream))![0];
  const data = new Data(readingName("h", "p", did, stream, seq), Reading.create(Date.now(), values).toContent());
  await (signer ?? devices.get(did)!).signer.sign(data);
  return data;
}

test("the monitor accepts genuine readings only, raises escalating alarms, and doctors receive them", async () => {
  const fw = Forwarder.create();
  using certs = new CertificateServer(fw);
  for (const id of devices.values()) {
    certs.add(id.cert);
  }
  certs.add(monitorId.cert);
  using publisher = new ReadingPublisher({ fw, hospital: "h", pid: "p", devices: kit });
  const accepted: string[] = [];
  const verifier = () => new TrustVerifier({ anchors: [hospital.cert], fetchCertificate: fetchCertificateOverNdn(fw) });
  using monitor = new LiveMonitor({
    fw, hospital: "h", identity: monitorId, verifier: verifier(), patients: [{ pid: "p", devices: kit }],
    follower: { window: 3 },
    onReading: ({ name }) => accepted.push(name.toString()),
  });
  const received: ReceivedAlarm[] = [];
  using doctor = new DoctorApp({ fw, doctor: "d1", hospital: "h", patients: ["p"], verifier: verifier(), onAlarm: (a) => received.push(a) });

  const put = async (stream: StreamId, seq: number, values: number[], signer?: Identity) => {
    const data = await reading(stream, seq, values, signer);
    publisher.publish({ data, did: data.name.get(4)!.text, stream, seq, reading: Reading.fromContent(data.content) });
  };
  // Healthy at seq 0; seq 1 of heart-rate forged by the thermometer's key; seq 1 of SpO2 corrupted.
  await put("heart-rate", 0, [72]);
  await put("respiration-rate", 0, [15]);
  await put("spo2", 0, [98]);
  await put("body-temperature", 0, [36.8]);
  await put("blood-pressure", 0, [122, 78]);
  const forged = await reading("heart-rate", 1, [180], devices.get("thermometer"));
  publisher.publish({ data: forged, did: "pulse-oximeter", stream: "heart-rate", seq: 1, reading: Reading.fromContent(forged.content) });
  const corrupt = await reading("spo2", 1, [70]);
  corrupt.sigValue = Uint8Array.from(corrupt.sigValue, (b, i) => (i === 10 ? b ^ 1 : b));
  publisher.publish({ data: corrupt, did: "pulse-oximeter", stream: "spo2", seq: 1, reading: Reading.fromContent(corrupt.content) });
  const malformed = new Data(readingName("h", "p", "thermometer", "body-temperature", 1), new Uint8Array([0xC8, 0x01, 0x00]));
  await devices.get("thermometer")!.signer.sign(malformed);
  publisher.publish({ data: malformed, did: "thermometer", stream: "body-temperature", seq: 1, reading: Reading.create(0, [0]) });
  await sleep(300);
  expect(monitor.view("p").news2).toMatchObject({ total: 0, level: "low" });
  expect(received).toEqual([]);

  // SpO2 91 scores a single 3: low-medium. Then respiration 26 and pulse 125: high.
  await put("spo2", 2, [91]);
  await sleep(300);
  await put("respiration-rate", 1, [26]);
  await put("heart-rate", 2, [125]);
  await sleep(500);

  expect(monitor.subscription.rejected.toJSON()).toEqual({ policy: 1, "bad-signature": 1, "malformed-content": 1 });
  expect(accepted.some((n) => n === forged.name.toString() || n === corrupt.name.toString() || n === malformed.name.toString())).toBe(false);
  expect(accepted).toHaveLength(5 + 3);
  expect(monitor.subscription.counters.verified).toBe(8);
  expect(monitor.view("p").news2).toMatchObject({ total: 3 + 3 + 2, level: "high" });

  // Whichever of the last two readings lands first, the score passes through medium (5 or 6).
  expect(monitor.raised.map((a) => a.level)).toEqual(["low-medium", "medium", "high"]);
  expect(monitor.raised[0]).toMatchObject({ kind: AlarmKind.News2, level: "low-medium", score: 3 });
  expect(monitor.raised.at(-1)).toMatchObject({ level: "high", score: 8 });
  await sleep(200);
  expect(received.map((r) => r.alarm.levelName)).toEqual(monitor.raised.map((a) => a.level));
  for (const r of received) {
    expect(r.alarm.subscores.reduce((a, b) => a + b, 0)).toBe(r.alarm.score);
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  }
  expect(doctor.rejected.total).toBe(0);
  fw.close();
});

test("a doctor refuses an alarm not signed by the monitor", async () => {
  const fw = Forwarder.create();
  using certs = new CertificateServer(fw);
  certs.add(devices.get("gateway")!.cert);
  using alarms = new StreamProducer({ fw, prefix: hospitalPrefix("h").append("alarm", "p") });
  using doctor = new DoctorApp({
    fw, doctor: "d", hospital: "h", patients: ["p"],
    verifier: new TrustVerifier({ anchors: [hospital.cert], fetchCertificate: fetchCertificateOverNdn(fw) }),
  });
  const fake = new Data(alarmName("h", "p", 0));
  await devices.get("gateway")!.signer.sign(fake);
  alarms.publish(0, fake);
  await sleep(300);
  expect(doctor.received).toEqual([]);
  expect(doctor.rejected.toJSON()).toEqual({ policy: 1 });
  fw.close();
});
