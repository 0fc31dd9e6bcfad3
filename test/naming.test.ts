import { Component, Name } from "@ndn/packet";
import { SequenceNum, Version } from "@ndn/naming-convention2";
import { describe, expect, test } from "vitest";

import {
  alarmName, alarmStreamPrefix, consultationBlockName, consultationDagPrefix, consultationRecordName, consultationPrefix, devicePrefix, expectName,
  hospitalPrefix, ledgerBlockName, ledgerPrefix, monitorPrefix, NameError, nameFromUri, parseName,
  patientPrefix, readingName, showName, staffPrefix, STREAM_IDS, streamPrefix, subjectName,
} from "../src/naming/mod.js";

describe("round trips", () => {
  const cases: Array<[Name, ReturnType<typeof parseName>]> = [
    [hospitalPrefix("h1"), { kind: "hospital", hospital: "h1" }],
    [patientPrefix("h1", "p1"), { kind: "patient", hospital: "h1", pid: "p1" }],
    [devicePrefix("h1", "p1", "d1"), { kind: "device", hospital: "h1", pid: "p1", did: "d1" }],
    [streamPrefix("h1", "p1", "d1", "spo2"), { kind: "stream", hospital: "h1", pid: "p1", did: "d1", stream: "spo2" }],
    [readingName("h1", "p1", "d1", "blood-pressure", 42), { kind: "reading", hospital: "h1", pid: "p1", did: "d1", stream: "blood-pressure", seq: 42 }],
    [ledgerPrefix("h1", "p1"), { kind: "ledger", hospital: "h1", pid: "p1" }],
    [ledgerBlockName("h1", "p1", 7), { kind: "ledger-block", hospital: "h1", pid: "p1", height: 7 }],
    [staffPrefix("h1", "w1"), { kind: "staff", hospital: "h1", wid: "w1" }],
    [monitorPrefix("h1"), { kind: "monitor", hospital: "h1" }],
    [alarmStreamPrefix("h1", "p1"), { kind: "alarm-stream", hospital: "h1", pid: "p1" }],
    [alarmName("h1", "p1", 3), { kind: "alarm", hospital: "h1", pid: "p1", seq: 3 }],
    [consultationPrefix("c"), { kind: "consultation", consortium: "c" }],
    [consultationPrefix("c", "h1"), { kind: "consultation", consortium: "c", hospital: "h1" }],
    [consultationBlockName("c", "h1", 9), { kind: "consultation-block", consortium: "c", hospital: "h1", height: 9 }],
    [consultationRecordName("c", "h1", "w1", 4), { kind: "consultation-record", consortium: "c", hospital: "h1", wid: "w1", seq: 4 }],
    [consultationDagPrefix("c", "h1"), { kind: "consultation-dag", consortium: "c", hospital: "h1" }],
  ];
  test.each(cases)("%s", (name, parsed) => {
    expect(parseName(name)).toEqual(parsed);
    expect(nameFromUri(showName(name)).equals(name)).toBe(true);
  });

  test("every stream", () => {
    for (const s of STREAM_IDS) {
      expect(expectName(readingName("h", "p", "d", s, 0), "reading").stream).toBe(s);
    }
  });

  test("typed components are rev3", () => {
    const n = readingName("h1", "p1", "d1", "spo2", 5);
    expect(n.get(-1)!.type).toBe(SequenceNum.type);
    expect(SequenceNum.type).toBe(0x3A);
    expect(showName(n)).toBe("/h1/patient/p1/device/d1/spo2/seq=5");
  });

  test("key and certificate names carry their subject", () => {
    const subject = { kind: "device", hospital: "h1", pid: "p1", did: "d1" } as const;
    const key = subjectName(subject).append("KEY", "k1");
    expect(parseName(key)).toEqual({ kind: "key", subject, keyId: Component.from("k1") });
    const cert = key.append(Component.from("p1"), Version.create(12));
    expect(parseName(cert)).toMatchObject({ kind: "certificate", subject, version: 12 });
    expect(parseName(hospitalPrefix("h1").append("KEY", "k"))).toMatchObject({ kind: "key", subject: { kind: "hospital" } });
  });
});

describe("malformed names name the bad component", () => {
  const bad: Array<[string, number, RegExp]> = [
    ["/", 0, /empty/],
    ["/h1/visitor/p1", 1, /component 1 \(visitor\) is not one of patient/],
    ["/h1/patient/p1/device/d1/heartrate/seq=1", 5, /component 5 \(heartrate\) is not a known stream/],
    ["/h1/patient/p1/device/d1/spo2/7", 6, /component 6 \(7\) should be a SequenceNum/],
    ["/h1/patient/p1/device/d1/spo2/seq=1/extra", 7, /component 7 \(extra\) is unexpected/],
    ["/h1/patient", 2, /missing patient/],
    ["/h1/patient/seq=3", 2, /is not a valid patient identifier/],
    ["/h1/patient/p1/ledger/v=1", 4, /should be a SequenceNum/],
    ["/h1/alarm/p1/x", 3, /should be a SequenceNum/],
    ["/h1/patient/p1/device/d1/spo2/KEY/k", 6, /follows a stream name, which cannot hold a key/],
    ["/h1/patient/p1/KEY", 3, /missing key id/],
    ["/h1/patient/p1/KEY/k/issuer/3", 6, /should be a Version/],
    ["/h1/patient/p1/wristband/KEY/k", 3, /is not one of device, ledger/],
  ];
  test.each(bad)("%s", (uri, index, message) => {
    const err = (() => {
      try {
        parseName(nameFromUri(uri));
      } catch (e: unknown) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(NameError);
    expect((err as NameError).index).toBe(index);
    expect((err as NameError).message).toMatch(message);
  });

  test("an error inside a key name keeps its own reason", () => {
    expect(() => parseName(nameFromUri("/stmary/patient/KEY/k"))).toThrow(
      "bad name /stmary/patient/KEY/k: component 2 (KEY) comes before the name is complete (missing patient)");
  });

  test("builders refuse namespace keywords as identifiers", () => {
    expect(() => devicePrefix("h", "p", "KEY")).toThrow(/invalid device identifier "KEY": it is a keyword/);
    expect(() => patientPrefix("h", "ledger")).toThrow(/keyword/);
  });

  test("builders refuse bad identifiers and unknown streams", () => {
    expect(() => patientPrefix("h1", "a/b")).toThrow(/invalid patient identifier "a\/b"/);
    expect(() => patientPrefix("h1", "")).toThrow(/invalid patient identifier/);
    expect(() => streamPrefix("h1", "p", "d", "glucose" as never)).toThrow(/unknown stream "glucose": expected one of heart-rate/);
    expect(() => readingName("h1", "p", "d", "spo2", -1)).toThrow(/non-negative integer/);
  });

  test("expectName says what it got", () => {
    expect(() => expectName(patientPrefix("h", "p"), "reading")).toThrow(/expected a reading name, got a patient name/);
  });
});
