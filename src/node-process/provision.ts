import { mkdir } from "node:fs/promises";
import path from "node:path";

import type { Certificate } from "@ndn/keychain";

import { devicePrefix, hospitalPrefix, patientPrefix, staffPrefix } from "../naming/mod.js";
import { deviceKit } from "../sensors/mod.js";
import { type Identity, loadIdentity, loadOrCreateAnchor, loadOrEnrol, openKeyChain, readCertificateFile, writeCertificateFile } from "../trust/mod.js";
import type { HomeConfig, HospitalConfig, NodeConfig } from "./config.js";

/** Where a hospital keeps its trust anchor certificate for others to pin (a home keeps its hospital's). */
export function anchorFile(dataDir: string): string {
  return path.join(dataDir, "anchor.cert");
}

/** The NDNts file keychain saves 200 ms after a change: wait, so a process killed next loses nothing. */
const keyChainSaved = () => new Promise((r) => setTimeout(r, 300));

/** A hospital's identities: its anchor, the registrar (signs blocks and sync), a doctor (writes records). */
export interface HospitalIdentities {
  anchor: Identity;
  registrar: Identity;
  doctor: Identity;
}

/** Create (or load) a hospital's keys and write its anchor certificate out: `iomt node init`. */
export async function initHospital(config: NodeConfig & { role: "hospital" }): Promise<HospitalIdentities> {
  await mkdir(config.dataDir, { recursive: true });
  const keys = openKeyChain(config.dataDir);
  const anchor = await loadOrCreateAnchor(keys, hospitalPrefix(config.name));
  const registrar = await loadOrEnrol(keys, staffPrefix(config.name, "registrar"), anchor);
  const doctor = await loadOrEnrol(keys, staffPrefix(config.name, "doctor1"), anchor);
  await writeCertificateFile(anchorFile(config.dataDir), anchor.cert);
  await keyChainSaved();
  return { anchor, registrar, doctor };
}

/** The other members' anchors, pinned from their files. */
export function memberAnchors(hospital: HospitalConfig): Promise<Certificate[]> {
  return Promise.all(hospital.anchors.map((f) => readCertificateFile(f, `run "iomt node init" for that hospital first`)));
}

/**
 * Provision a home gateway at its hospital, before the kit goes home: `iomt node init --issuer`.
 * The hospital (its keychain under `issuerDataDir`) issues each patient's gateway certificate; the
 * gateway issues its devices'. Keys are made in the home's keychain; the hospital's anchor is
 * copied to the home's data directory.
 */
export async function initHome(config: NodeConfig & { role: "home" }, issuerDataDir: string): Promise<void> {
  const hospital = await loadIdentity(openKeyChain(issuerDataDir), hospitalPrefix(config.home.hospital)).catch(() => {
    throw new Error(`${issuerDataDir} holds no key of hospital ${config.home.hospital}: pass that hospital's data directory to --issuer`);
  });
  await mkdir(config.dataDir, { recursive: true });
  const keys = openKeyChain(config.dataDir);
  for (const p of config.home.patients) {
    const gateway = await loadOrEnrol(keys, patientPrefix(config.home.hospital, p.pid), hospital);
    for (const did of deviceKit(p.streams).keys()) {
      await loadOrEnrol(keys, devicePrefix(config.home.hospital, p.pid, did), gateway);
    }
  }
  await writeCertificateFile(anchorFile(config.dataDir), hospital.cert);
  await keyChainSaved();
}

/** A home's identities, made by {@link initHome}: each patient's gateway, and each device. */
export async function loadHome(config: NodeConfig & { role: "home" }): Promise<Map<string, { gateway: Identity; devices: Map<string, Identity> }>> {
  const keys = openKeyChain(config.dataDir);
  const { hospital, patients } = config.home satisfies HomeConfig;
  const out = new Map<string, { gateway: Identity; devices: Map<string, Identity> }>();
  const hint = `run "iomt node init --config ... --issuer <${hospital}'s data directory>" first`;
  for (const p of patients) {
    const gateway = await loadIdentity(keys, patientPrefix(hospital, p.pid)).catch((err: Error) => {
      throw new Error(`${err.message}: ${hint}`);
    });
    const devices = new Map<string, Identity>();
    for (const did of deviceKit(p.streams).keys()) {
      devices.set(did, await loadIdentity(keys, devicePrefix(hospital, p.pid, did)).catch((err: Error) => {
        throw new Error(`${err.message}: ${hint}`);
      }));
    }
    out.set(p.pid, { gateway, devices });
  }
  return out;
}
