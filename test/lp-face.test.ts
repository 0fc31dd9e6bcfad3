import { consume, produce } from "@ndn/endpoint";
import { Forwarder, type FwFace, FwPacket, TapFace } from "@ndn/fw";
import { L3Face, type Transport } from "@ndn/l3face";
import { LpPacket } from "@ndn/lp";
import { Data, Interest, Nack, NackHeader, NackReason, Name } from "@ndn/packet";
import { Decoder, Encoder } from "@ndn/tlv";
import { expect, test } from "vitest";

import { wireTransports } from "../src/bench/wire-bridge.js";
import { addNetworkFace, LpFace } from "../src/faces/mod.js";
import { NodeForwarder } from "../src/node/mod.js";

type Side = "node layer" | "plain @ndn/fw" | "L3Face";

/**
 * A consumer's forwarder and a producer's, joined by a wire pair of the given MTU; each end is an
 * LpFace on a node layer or a plain forwarder, or NDNts's L3Face (for interoperation).
 */
function joined(consumerSide: Side, producerSide: Side, mtu = Infinity, payload = 100) {
  const [ta, tb] = wireTransports("test", mtu);
  const end = (side: Side, t: Transport) => {
    const node = side === "node layer" ? new NodeForwarder() : undefined;
    // A plain forwarder that drops a Data without its PIT token: the tokens must cross.
    const fw = node?.fw ?? Forwarder.create({ dataNoTokenMatch: false });
    const lp = side === "L3Face" ? undefined : new LpFace(t);
    const face: FwFace = lp ? addNetworkFace(node ?? fw, lp) : fw.addFace(new L3Face(t));
    return { node, fw, lp, face, close: () => (node ? node.close() : fw.close()) };
  };
  const [a, b] = [end(consumerSide, ta), end(producerSide, tb)];
  a.face.addRoute("/p");
  let served = 0;
  const producer = produce("/p", async (i) => (++served, new Data(i.name, new Uint8Array(payload).fill(7))), { fw: b.fw, concurrency: 64 });
  return {
    a, b, served: () => served,
    get: (name: string) => consume(new Interest(name, Interest.Lifetime(2000)), { fw: a.fw, retx: 0 }),
    [Symbol.dispose]: () => (producer.close(), a.close(), b.close()),
  };
}

const sides: Array<[Side, Side]> = [
  ["node layer", "node layer"], ["plain @ndn/fw", "plain @ndn/fw"], ["node layer", "L3Face"], ["L3Face", "node layer"],
];

test.each(sides)("Interests and Data cross LpFaces, and between LpFace and L3Face: %s to %s", async (x, y) => {
  using net = joined(x, y);
  const names = Array.from({ length: 50 }, (_, i) => `/p/${i}`);
  const got = await Promise.all(names.map((n) => net.get(n)));
  expect(got.map((d) => d.name.toString())).toEqual(names.map((n) => new Name(n).toString()));
  expect(net.served()).toBe(50);
});

// The wire loses any frame longer than its MTU: the Data arrives only in fragments.
test.each(sides)("a Data larger than the MTU goes in fragments and is put together again: %s to %s", async (x, y) => {
  using net = joined(x, y, 1200, 5000);
  const data = await net.get("/p/big");
  expect(data.content.length).toBe(5000);
  expect(data.content.every((b) => b === 7)).toBe(true);
});

test("Nacks, PIT tokens and congestion marks go out as NDNLPv2 headers, and come in", async () => {
  const [ta, tb] = wireTransports("test");
  const face = new LpFace(ta);
  const received: FwPacket[] = [];
  const transmit = face.connect((pkt) => received.push(pkt));
  const interest = new Interest("/p/1", Interest.Nonce(7));
  // Out: what the forwarder sends, read as frames at the far end of the wire.
  transmit(FwPacket.create(new Nack(interest, NackReason.NoRoute), Uint8Array.of(1, 2, 3), 1));
  transmit(FwPacket.create(interest, 42)); // the forwarder's own token: a number
  transmit(FwPacket.create(new Data("/p/1"))); // no headers: a bare Data on the wire
  const frames: Decoder.Tlv[] = [];
  for await (const tlv of tb.rx) {
    frames.push(tlv);
    if (frames.length === 3) {
      break;
    }
  }
  const [nackFrame, interestFrame, dataFrame] = frames.map((f) => new Decoder(f.tlv)) as [Decoder, Decoder, Decoder];
  const nack = nackFrame.decode(LpPacket);
  expect(nack.nack?.reason).toBe(NackReason.NoRoute);
  expect([...nack.pitToken!]).toEqual([1, 2, 3]);
  expect(nack.congestionMark).toBe(1);
  expect(new Decoder(nack.payload!).decode(Interest).nonce).toBe(7);
  const ourToken = interestFrame.decode(LpPacket).pitToken!;
  expect(ourToken).toHaveLength(6);
  expect(dataFrame.decode(Data).name.toString()).toBe("/8=p/8=1");
  // In: a Nack, an Interest with a token and a congestion mark, and a Data answering our token.
  const inbound = (fill: (lpp: LpPacket) => void) => {
    const lpp = new LpPacket();
    fill(lpp);
    return Encoder.encode(lpp);
  };
  await tb.tx((async function* () {
    yield inbound((lpp) => {
      lpp.nack = new NackHeader(NackReason.Congestion);
      lpp.payload = Encoder.encode(interest);
    });
    yield inbound((lpp) => {
      lpp.pitToken = Uint8Array.of(9, 9);
      lpp.congestionMark = 1;
      lpp.payload = Encoder.encode(interest);
    });
    yield inbound((lpp) => {
      lpp.pitToken = ourToken;
      lpp.payload = Encoder.encode(new Data("/p/1"));
    });
  })());
  await face.ended;
  const [nackIn, interestIn, dataIn] = received as [FwPacket<Nack>, FwPacket<Interest>, FwPacket<Data>];
  expect(nackIn.l3).toBeInstanceOf(Nack);
  expect(nackIn.l3.reason).toBe(NackReason.Congestion);
  expect([...(interestIn.token as Uint8Array)]).toEqual([9, 9]); // an Interest's token goes back as it came
  expect(interestIn.congestionMark).toBe(1);
  expect(dataIn.token).toBe(42); // our token on the wire: the forwarder's number again
});

test("frames that are not packets are dropped and counted; the face goes on working", async () => {
  const [ta, tb] = wireTransports("test");
  const node = new NodeForwarder();
  const errors: string[] = [];
  const lp = new LpFace(tb, { onRxError: (err) => errors.push(err.message) });
  node.addNetworkFace(lp);
  using _p = produce("/p", async (i) => new Data(i.name), { fw: node.fw });
  let answered!: () => void;
  const sending = ta.tx((async function* () {
    yield Encoder.encode([0x05, Uint8Array.of(0x07, 0x01)]); // an Interest whose name is cut short
    yield Uint8Array.of(0xC8, 0x00); // not a network layer packet
    const lpp = new LpPacket();
    lpp.payload = Uint8Array.of(0x64, 0x01, 0x00); // an LpPacket carrying no packet
    yield Encoder.encode(lpp);
    yield Encoder.encode(new Interest("/p/ok", Interest.Nonce(1)));
    await new Promise<void>((resolve) => answered = resolve); // the wire stays up until the answer came
  })());
  const answer = await (async () => {
    for await (const tlv of ta.rx) {
      return new Decoder(tlv.tlv).decode(Data);
    }
    return undefined;
  })();
  answered();
  await sending;
  expect(answer?.name.toString()).toBe("/8=p/8=ok");
  expect(lp.counters.rxErrors).toBe(3);
  expect(errors).toHaveLength(3);
  node.close();
});

test("a packet the forwarder fails to take is dropped and counted; the face goes on taking the next", async () => {
  const [ta, tb] = wireTransports("test");
  const face = new LpFace(tb);
  const taken: string[] = [];
  face.connect((pkt) => {
    const name = (pkt.l3 as Interest).name.toString();
    if (taken.length === 0 && name === "/8=p/8=1") {
      throw new Error("a forwarder's bug");
    }
    taken.push(name);
  });
  await ta.tx((async function* () {
    yield Encoder.encode(new Interest("/p/1", Interest.Nonce(1)));
    yield Encoder.encode(new Interest("/p/2", Interest.Nonce(2)));
  })());
  await face.ended;
  expect(taken).toEqual(["/8=p/8=2"]);
  expect(face.counters).toEqual({ rxErrors: 0, forwardErrors: 1, txErrors: 0 }); // not the peer's malformed frame
});

test("a transport that ends ends its face; closing the face ends its transport", async () => {
  for (const closeFrom of ["transport", "face"] as const) {
    const [ta, tb] = wireTransports("test");
    const node = new NodeForwarder();
    const lp = new LpFace(tb);
    const face = node.addNetworkFace(lp);
    let closed = false;
    face.addEventListener("close", () => void (closed = true));
    // The far end reads until this end's sending stops.
    const farReading = (async () => {
      for await (const _ of ta.rx) {
        // nothing is sent
      }
    })();
    if (closeFrom === "transport") {
      await ta.tx((async function* () {})()); // the far end sent nothing and stopped: this end reads no more
    } else {
      face.close();
      await farReading; // this end's transport stopped sending
    }
    await lp.ended;
    await new Promise((r) => setTimeout(r, 10));
    expect(closed).toBe(true);
    expect(node.fw.faces.has(face)).toBe(false);
    node.close();
  }
});

test("NDNts's TapFace works through an LpFace joined directly: NFD's prefix registration commands get their replies", async () => {
  // The registration's commands go out on a TapFace of the face to NFD, whose replies it takes from
  // the forwarder's packet events.
  using net = joined("node layer", "plain @ndn/fw");
  const tap = TapFace.create(net.a.face);
  tap.addRoute("/p");
  const data = await consume(new Interest("/p/tapped", Interest.Lifetime(1000)), { fw: tap.fw, retx: 0 });
  expect(data.name.toString()).toBe("/8=p/8=tapped");
  tap.fw.close();
});
