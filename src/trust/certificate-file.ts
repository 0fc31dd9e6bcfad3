import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { Certificate } from "@ndn/keychain";
import { Data } from "@ndn/packet";
import { Decoder, Encoder } from "@ndn/tlv";

/** A certificate as a text file holds it: its NDN TLV, base64, on one line. */
export function certificateText(cert: Certificate): string {
  return `${Buffer.from(Encoder.encode(cert.data)).toString("base64")}\n`;
}

/** Write a certificate file (base64 NDN TLV), making its folder. */
export async function writeCertificateFile(file: string, cert: Certificate): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, certificateText(cert));
}

/**
 * Read a certificate file, base64 (as `iomt node init` and simulations write them) or binary TLV.
 * @param hint - what to do when the file is missing, for the error message.
 */
export async function readCertificateFile(file: string, hint = "no such file"): Promise<Certificate> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch {
    throw new Error(`${file} is missing: ${hint}`);
  }
  const text = raw.toString("utf8").trim();
  const wire = /^[A-Za-z0-9+/=\s]+$/.test(text) ? Buffer.from(text, "base64") : raw;
  return Certificate.fromData(new Decoder(wire).decode(Data));
}
