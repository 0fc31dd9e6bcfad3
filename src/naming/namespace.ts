import { Component, Name, type NameLike } from "@ndn/packet";
import { AltUri, SequenceNum, Version } from "@ndn/naming-convention2";

import { isStreamId, STREAM_IDS, type StreamId } from "./streams.js";

/**
 * The ndn-iomt namespace (docs/namespace.md):
 *
 * ```
 * /<hospital>                                        hospital root; anchor /<hospital>/KEY/...
 * /<hospital>/patient/<pid>                          patient (home gateway announces this)
 *   .../device/<did>/<stream>/seq=<n>                reading, signed by the device
 *   .../ledger/seq=<height>                          medical-devices ledger block
 * /<hospital>/staff/<wid>                            health worker
 * /<hospital>/monitor                                live monitoring service
 * /<hospital>/alarm/<pid>/seq=<n>                    alarm for the doctors
 * /<consortium>/consultation/<hospital>/seq=<height> consultation ledger block
 * /<consortium>/consultation/<hospital>/record/<wid>/seq=<n>  a health worker's record
 * /<consortium>/consultation/<hospital>/dag          forwarding hint: any block that hospital holds
 * /<consortium>/consultation/v=<n>                    the sync group's Interests (State Vector Sync)
 * <any of the above>/KEY/<kid>[/<issuer>/v=<ver>]    key and certificate names
 * ```
 *
 * Identifiers (hospital, consortium, pid, did, wid) are single GenericNameComponents.
 */
export const KW = {
  patient: "patient",
  device: "device",
  ledger: "ledger",
  staff: "staff",
  monitor: "monitor",
  alarm: "alarm",
  consultation: "consultation",
  record: "record",
  dag: "dag",
  KEY: "KEY",
} as const;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._~-]*$/;
const RESERVED = new Set<string>(Object.values(KW));
const TT_GENERIC = 8;

/**
 * Whether `s` may be a hospital, consortium, patient, device or staff identifier: letters, digits,
 * '.', '_', '~', '-', not starting with punctuation, and not a keyword of the namespace.
 */
export function isIdentifier(s: string): boolean {
  return ID_RE.test(s) && !RESERVED.has(s);
}

/** A name that is not in the ndn-iomt namespace; says which component is wrong and why. */
export class NameError extends Error {
  constructor(
    public readonly badName: Name,
    public readonly index: number,
    public readonly reason: string,
  ) {
    super(index < badName.length ?
      `bad name ${showName(badName)}: component ${index} (${AltUri.ofComponent(badName.get(index)!)}) ${reason}` :
      `bad name ${showName(badName)}: ${reason} after component ${index - 1}`);
    this.name = "NameError";
  }
}

/** Print a name the way people read it (`/h/patient/p1/.../seq=5`), not with TLV-TYPE numbers. */
export function showName(name: NameLike): string {
  return AltUri.ofName(new Name(name));
}

/** Parse a name typed by a person (`seq=5`, `v=3` accepted). */
export function nameFromUri(uri: string): Name {
  return AltUri.parseName(uri);
}

// ---- building ----

function id(value: string, what: string): Component {
  if (!isIdentifier(value)) {
    throw new Error(RESERVED.has(value) ?
      `invalid ${what} identifier ${JSON.stringify(value)}: it is a keyword of the namespace` :
      `invalid ${what} identifier ${JSON.stringify(value)}: use letters, digits, '.', '_', '~', '-'`);
  }
  return new Component(TT_GENERIC, value);
}

function seq(n: number | bigint, what: string): Component {
  if (typeof n === "number" && (!Number.isSafeInteger(n) || n < 0)) {
    throw new Error(`invalid ${what} ${n}: must be a non-negative integer`);
  }
  return SequenceNum.create(n);
}

export function hospitalPrefix(hospital: string): Name {
  return new Name([id(hospital, "hospital")]);
}
export function patientPrefix(hospital: string, pid: string): Name {
  return hospitalPrefix(hospital).append(KW.patient).append(id(pid, "patient"));
}
export function devicePrefix(hospital: string, pid: string, did: string): Name {
  return patientPrefix(hospital, pid).append(KW.device).append(id(did, "device"));
}
export function streamPrefix(hospital: string, pid: string, did: string, stream: StreamId): Name {
  if (!isStreamId(stream)) {
    throw new Error(`unknown stream ${JSON.stringify(stream)}: expected one of ${STREAM_IDS.join(", ")}`);
  }
  return devicePrefix(hospital, pid, did).append(stream);
}
export function readingName(hospital: string, pid: string, did: string, stream: StreamId, n: number): Name {
  return readingNameIn(streamPrefix(hospital, pid, did, stream), n);
}
/** Reading `n` of a stream whose prefix ({@link streamPrefix}) is at hand: for a device, which names one reading after another. */
export function readingNameIn(stream: Name, n: number): Name {
  return stream.append(seq(n, "sequence number"));
}
export function ledgerPrefix(hospital: string, pid: string): Name {
  return patientPrefix(hospital, pid).append(KW.ledger);
}
export function ledgerBlockName(hospital: string, pid: string, height: number): Name {
  return ledgerPrefix(hospital, pid).append(seq(height, "block height"));
}
export function staffPrefix(hospital: string, wid: string): Name {
  return hospitalPrefix(hospital).append(KW.staff).append(id(wid, "staff"));
}
export function monitorPrefix(hospital: string): Name {
  return hospitalPrefix(hospital).append(KW.monitor);
}
export function alarmStreamPrefix(hospital: string, pid: string): Name {
  return hospitalPrefix(hospital).append(KW.alarm).append(id(pid, "patient"));
}
export function alarmName(hospital: string, pid: string, n: number): Name {
  return alarmStreamPrefix(hospital, pid).append(seq(n, "alarm sequence number"));
}
/**
 * Where a cloud server (the client-server baseline) keeps the readings gateways push to it:
 * `/<cloud>/store`, followed by each reading's own name.
 */
export function cloudStorePrefix(cloud: string): Name {
  return new Name([id(cloud, "cloud"), new Component(TT_GENERIC, "store")]);
}

export function consultationPrefix(consortium: string, hospital?: string): Name {
  const prefix = new Name([id(consortium, "consortium"), new Component(TT_GENERIC, KW.consultation)]);
  return hospital === undefined ? prefix : prefix.append(id(hospital, "hospital"));
}
export function consultationBlockName(consortium: string, hospital: string, height: number): Name {
  return consultationPrefix(consortium, hospital).append(seq(height, "block height"));
}
/** A forwarding hint toward `hospital`'s replica, which serves every block its DAG holds, by full name. */
export function consultationDagPrefix(consortium: string, hospital: string): Name {
  return consultationPrefix(consortium, hospital).append(KW.dag);
}
export function consultationRecordName(consortium: string, hospital: string, wid: string, n: number): Name {
  return consultationPrefix(consortium, hospital).append(KW.record).append(id(wid, "staff")).append(seq(n, "record sequence number"));
}

// ---- parsing ----

/** An entity that can hold a key: the subject of a certificate. */
export type Subject =
  | { kind: "hospital"; hospital: string }
  | { kind: "patient"; hospital: string; pid: string }
  | { kind: "device"; hospital: string; pid: string; did: string }
  | { kind: "staff"; hospital: string; wid: string }
  | { kind: "monitor"; hospital: string };

export type ParsedName =
  | Subject
  | { kind: "stream"; hospital: string; pid: string; did: string; stream: StreamId }
  | { kind: "reading"; hospital: string; pid: string; did: string; stream: StreamId; seq: number }
  | { kind: "ledger"; hospital: string; pid: string }
  | { kind: "ledger-block"; hospital: string; pid: string; height: number }
  | { kind: "alarm-stream"; hospital: string; pid: string }
  | { kind: "alarm"; hospital: string; pid: string; seq: number }
  | { kind: "consultation"; consortium: string; hospital?: string }
  | { kind: "consultation-block"; consortium: string; hospital: string; height: number }
  | { kind: "consultation-record"; consortium: string; hospital: string; wid: string; seq: number }
  /** A forwarding hint toward a hospital's replica, for blocks by full name. */
  | { kind: "consultation-dag"; consortium: string; hospital: string }
  /** A State Vector Sync Interest of the consultation group: `/<consortium>/consultation/v=<svs version>`. */
  | { kind: "consultation-sync"; consortium: string }
  | { kind: "key"; subject: Subject; keyId: Component }
  | { kind: "certificate"; subject: Subject; keyId: Component; issuerId: Component; version: number };

/** Walks a name's components, failing with the index of the first one that does not fit. */
class Cursor {
  public i = 0;
  constructor(public readonly name: Name) {}
  get done(): boolean {
    return this.i >= this.name.length;
  }
  fail(reason: string, at = this.i): never {
    throw new NameError(this.name, at, reason);
  }
  private take(what: string): Component {
    const c = this.name.get(this.i);
    if (c === undefined) {
      this.fail(`missing ${what}`);
    }
    ++this.i;
    return c;
  }
  id(what: string): string {
    const c = this.take(what);
    if (c.type !== TT_GENERIC || !isIdentifier(c.text)) {
      this.fail(`is not a valid ${what} identifier`, this.i - 1);
    }
    return c.text;
  }
  keyword(): string {
    const c = this.take("keyword");
    return c.type === TT_GENERIC ? c.text : "";
  }
  seq(what: string): number {
    const c = this.take(what);
    if (!SequenceNum.match(c)) {
      this.fail(`should be a SequenceNum (seq=<n>) ${what}`, this.i - 1);
    }
    return SequenceNum.parse(c);
  }
  end(kind: string): void {
    if (!this.done) {
      this.fail(`is unexpected: a ${kind} name ends before it`);
    }
  }
}

/**
 * Parse any name of the ndn-iomt namespace.
 * @throws NameError naming the first component that does not fit.
 */
export function parseName(input: NameLike): Readonly<ParsedName> {
  if (!(input instanceof Name)) {
    return parseNew(new Name(input));
  }
  let parsed = parsedNames.get(input);
  if (!parsed) {
    parsed = Object.freeze(parseNew(input));
    parsedNames.set(input, parsed);
  }
  return parsed;
}

/**
 * Each Name object's parse, made once: a reading's name is parsed by the trust policy, the monitor
 * and the ledger at each node it reaches, and a Name is immutable.
 */
const parsedNames = new WeakMap<Name, Readonly<ParsedName>>();

function parseNew(name: Name): ParsedName {
  const c = new Cursor(name);
  if (name.length === 0) {
    c.fail("is empty: every ndn-iomt name starts with a hospital or consortium");
  }
  const keyAt = findKeyComponent(name);
  if (keyAt >= 0) {
    return parseKeyOrCert(name, keyAt);
  }
  const root = c.id("hospital or consortium");
  if (c.done) {
    return { kind: "hospital", hospital: root };
  }
  const kwAt = c.i;
  switch (c.keyword()) {
    case KW.patient:
      return parsePatientTail(c, root);
    case KW.staff: {
      const wid = c.id("staff");
      c.end("staff");
      return { kind: "staff", hospital: root, wid };
    }
    case KW.monitor:
      c.end("monitor");
      return { kind: "monitor", hospital: root };
    case KW.alarm: {
      const pid = c.id("patient");
      if (c.done) {
        return { kind: "alarm-stream", hospital: root, pid };
      }
      const n = c.seq("alarm sequence number");
      c.end("alarm");
      return { kind: "alarm", hospital: root, pid, seq: n };
    }
    case KW.consultation: {
      if (c.done) {
        return { kind: "consultation", consortium: root };
      }
      if (Version.match(name.get(c.i)!)) {
        ++c.i;
        c.end("consultation sync Interest");
        return { kind: "consultation-sync", consortium: root };
      }
      const hospital = c.id("hospital");
      if (c.done) {
        return { kind: "consultation", consortium: root, hospital };
      }
      const next = name.get(c.i)!;
      if (next.type === TT_GENERIC && next.text === KW.record) {
        ++c.i;
        const wid = c.id("staff");
        const n = c.seq("record sequence number");
        c.end("consultation record");
        return { kind: "consultation-record", consortium: root, hospital, wid, seq: n };
      }
      if (next.type === TT_GENERIC && next.text === KW.dag) {
        ++c.i;
        c.end("consultation DAG hint");
        return { kind: "consultation-dag", consortium: root, hospital };
      }
      const height = c.seq("block height");
      c.end("consultation block");
      return { kind: "consultation-block", consortium: root, hospital, height };
    }
    default:
      return c.fail(`is not one of ${[KW.patient, KW.staff, KW.monitor, KW.alarm, KW.consultation].join(", ")}`, kwAt);
  }
}

function parsePatientTail(c: Cursor, hospital: string): ParsedName {
  const pid = c.id("patient");
  if (c.done) {
    return { kind: "patient", hospital, pid };
  }
  const kwAt = c.i;
  switch (c.keyword()) {
    case KW.device: {
      const did = c.id("device");
      if (c.done) {
        return { kind: "device", hospital, pid, did };
      }
      const streamAt = c.i;
      const stream = c.keyword();
      if (!isStreamId(stream)) {
        c.fail(`is not a known stream (${STREAM_IDS.join(", ")})`, streamAt);
      }
      if (c.done) {
        return { kind: "stream", hospital, pid, did, stream };
      }
      const n = c.seq("sequence number");
      c.end("reading");
      return { kind: "reading", hospital, pid, did, stream, seq: n };
    }
    case KW.ledger: {
      if (c.done) {
        return { kind: "ledger", hospital, pid };
      }
      const height = c.seq("block height");
      c.end("ledger block");
      return { kind: "ledger-block", hospital, pid, height };
    }
    default:
      return c.fail(`is not one of ${KW.device}, ${KW.ledger}`, kwAt);
  }
}

function findKeyComponent(name: Name): number {
  return name.comps.findIndex((comp) => comp.type === TT_GENERIC && comp.text === KW.KEY);
}

function parseKeyOrCert(name: Name, keyAt: number): ParsedName {
  const subjectName = name.getPrefix(keyAt);
  let subject: ParsedName;
  try {
    subject = parseName(subjectName);
  } catch (err: unknown) {
    if (err instanceof NameError) {
      throw new NameError(name, err.index,
        err.index < subjectName.length ? err.reason : `comes before the name is complete (${err.reason})`);
    }
    throw err;
  }
  if (!isSubject(subject)) {
    throw new NameError(name, keyAt, `follows a ${subject.kind} name, which cannot hold a key`);
  }
  const tail = name.slice(keyAt + 1);
  const c = new Cursor(name);
  c.i = keyAt + 1;
  if (tail.length === 1) {
    return { kind: "key", subject, keyId: tail.get(0)! };
  }
  if (tail.length === 3) {
    const version = tail.get(2)!;
    if (!Version.match(version)) {
      c.fail("should be a Version (v=<n>) in a certificate name", keyAt + 3);
    }
    return { kind: "certificate", subject, keyId: tail.get(0)!, issuerId: tail.get(1)!, version: Version.parse(version) };
  }
  return c.fail(tail.length === 0 ? "missing key id after KEY" : "a key name has KEY/<kid>, a certificate KEY/<kid>/<issuer>/v=<n>", keyAt + Math.min(tail.length, 2));
}

export function isSubject(p: ParsedName): p is Subject {
  return p.kind === "hospital" || p.kind === "patient" || p.kind === "device" || p.kind === "staff" || p.kind === "monitor";
}

/** The name of a subject: the prefix its keys live under. */
export function subjectName(s: Subject): Name {
  switch (s.kind) {
    case "hospital":
      return hospitalPrefix(s.hospital);
    case "patient":
      return patientPrefix(s.hospital, s.pid);
    case "device":
      return devicePrefix(s.hospital, s.pid, s.did);
    case "staff":
      return staffPrefix(s.hospital, s.wid);
    case "monitor":
      return monitorPrefix(s.hospital);
  }
}

/** Parse a name that must be of one kind, e.g. `expectName(n, "reading")`. */
export function expectName<K extends ParsedName["kind"]>(input: NameLike, kind: K): Extract<ParsedName, { kind: K }> {
  const p = parseName(input);
  if (p.kind !== kind) {
    throw new Error(`expected a ${kind} name, got a ${p.kind} name: ${showName(input)}`);
  }
  return p as Extract<ParsedName, { kind: K }>;
}
