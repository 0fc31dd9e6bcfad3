import { CertNaming } from "@ndn/keychain";
import { type Name, ParamsDigest } from "@ndn/packet";

import { NameError, parseName, type ParsedName, showName, type Subject } from "../naming/mod.js";

/**
 * The name-based trust policy of design.md: who may sign what.
 * - a device key: only readings of its own device's streams;
 * - a patient-gateway key: only its own patient's ledger blocks and its own devices' certificates;
 * - a health-worker key: only its own consultation records, and consultation blocks of its hospital;
 * - the monitor key: only its own hospital's alarms;
 * - a hospital key: only certificates under its own root (gateways, staff, monitor, itself).
 *
 * @returns undefined when `signerKeyName` may sign `packetName`, else the reason it may not.
 */
export function policyViolation(packetName: Name, signerKeyName: Name): string | undefined {
  if (!CertNaming.isKeyName(signerKeyName) && !CertNaming.isCertName(signerKeyName)) {
    return `signer ${showName(signerKeyName)} is neither a key nor a certificate name`;
  }
  let signer: ParsedName;
  let packet: ParsedName;
  try {
    signer = parseName(CertNaming.toKeyName(signerKeyName));
    // A signed Interest's name ends with its parameters digest, which is not part of the namespace.
    const last = packetName.get(-1);
    packet = parseName(last && ParamsDigest.match(last) ? packetName.getPrefix(-1) : packetName);
  } catch (err: unknown) {
    if (err instanceof NameError) {
      return err.message;
    }
    throw err;
  }
  if (signer.kind !== "key") {
    return `signer ${showName(signerKeyName)} is not a key name`;
  }
  const s = signer.subject;
  const forbid = (rule: string) => `${describe(s)} may not sign ${showName(packetName)}: ${rule}`;
  switch (packet.kind) {
    case "reading":
      return s.kind === "device" && s.hospital === packet.hospital && s.pid === packet.pid && s.did === packet.did ?
        undefined : forbid("a reading is signed only by its own device");
    case "ledger-block":
      return s.kind === "patient" && s.hospital === packet.hospital && s.pid === packet.pid ?
        undefined : forbid("a ledger block is signed only by its own patient's gateway");
    case "alarm":
      return s.kind === "monitor" && s.hospital === packet.hospital ?
        undefined : forbid("an alarm is signed only by its hospital's monitor");
    case "consultation-record":
      return s.kind === "staff" && s.hospital === packet.hospital && s.wid === packet.wid ?
        undefined : forbid("a consultation record is signed only by its own author, a health worker of its hospital");
    case "consultation-sync":
      // Which hospitals belong to the consortium is the application's to check.
      return s.kind === "staff" ? undefined : forbid("consultation sync Interests are signed by a hospital's health worker (its registrar)");
    case "consultation-block":
      return s.kind === "staff" && s.hospital === packet.hospital ?
        undefined : forbid("a consultation block is signed only by a health worker of its hospital");
    case "certificate": {
      const t = packet.subject;
      switch (t.kind) {
        case "device":
          return s.kind === "patient" && s.hospital === t.hospital && s.pid === t.pid ?
            undefined : forbid("a device certificate is issued only by its own patient's gateway");
        case "patient":
        case "staff":
        case "monitor":
          return s.kind === "hospital" && s.hospital === t.hospital ?
            undefined : forbid(`a ${t.kind} certificate is issued only by its own hospital`);
        case "hospital":
          return s.kind === "hospital" && s.hospital === t.hospital ?
            undefined : forbid("a hospital certificate is signed only by that hospital's own key");
      }
      break;
    }
  }
  return forbid(`no one signs a ${packet.kind} name`);
}

function describe(s: Subject): string {
  switch (s.kind) {
    case "hospital":
      return `hospital ${s.hospital}`;
    case "patient":
      return `gateway of patient ${s.hospital}/${s.pid}`;
    case "device":
      return `device ${s.did} of patient ${s.hospital}/${s.pid}`;
    case "staff":
      return `health worker ${s.wid} of ${s.hospital}`;
    case "monitor":
      return `monitor of ${s.hospital}`;
  }
}
