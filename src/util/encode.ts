import type { Data } from "@ndn/packet";
import { type Encodable, Encoder } from "@ndn/tlv";

/**
 * Encode into a buffer of `expected` octets, which grows if the encoding is larger. NDNts's Encoder
 * starts every encoding with 2 KiB, and its output keeps the whole buffer alive: a reading of 227
 * octets held 2 KiB in every Content Store and in-memory repo entry, and allocating and collecting
 * those buffers took a tenth of a simulation's time. For packets and their parts encoded per reading.
 */
export function encodeCompact(obj: Encodable, expected = 512): Uint8Array {
  return Encoder.encode(obj, expected);
}

/**
 * Takes the wire a Data hands its encoder in one piece. A Data that was decoded, or encoded once,
 * keeps its wire and gives just that to `encodeTo` (@ndn/packet 0.0.20250307); a Data without one
 * encodes its parts, and anything but exactly one Uint8Array means there is no wire to take.
 */
const wireTaker = {
  wire: undefined as Uint8Array | undefined,
  calls: 0,
  encode(obj: unknown): void {
    ++this.calls;
    this.wire = obj instanceof Uint8Array ? obj : undefined;
  },
};

/**
 * The wire a Data keeps (decoded, or encoded once), without a copy, if it keeps one. For a store
 * that copies it at once (the Content Store): the wire a Data keeps is a view of whatever buffer it
 * came in.
 */
export function wireOf(data: Data): Uint8Array | undefined {
  wireTaker.wire = undefined;
  wireTaker.calls = 0;
  try {
    data.encodeTo(wireTaker as unknown as Encoder);
  } catch {
    // An encoding in parts calls what wireTaker lacks: there is no wire to take.
  }
  const wire = wireTaker.calls === 1 ? wireTaker.wire : undefined;
  wireTaker.wire = undefined;
  return wire;
}
