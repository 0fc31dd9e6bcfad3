import { consume, produce } from "@ndn/endpoint";
import { Forwarder, type FwFace, FwPacket } from "@ndn/fw";
import { L3Face, type Transport } from "@ndn/l3face";
import { LpPacket } from "@ndn/lp";
import { Data, Interest, Nack, NackReason, Name } from "@ndn/packet";
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
    const fw = node?.fw ?? Forwarder.create();
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

test.each(sides)("Interests and Data cross LpFaces, PIT tokens and all: %s to %s", async (x, y) => {
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

test("Nacks, PIT tokens and congestion marks cross as NDNLPv2 headers, both ways", async () => {
  const [ta, tb] = wireTransports("test");
  const [near, far] = [new LpFace(ta), new LpFace(tb)];
  const received: FwPacket[] = [];
  const transmit = near.connect(() => undefined);
  far.connect((pkt) => received.push(pkt));
  const interest = new Interest("/p/1", Interest.Nonce(7));
  transmit(FwPacket.create(new Nack(interest, NackReason.NoRoute), Uint8Array.of(1, 2, 3)));
  transmit(FwPacket.create(interest, 42, 1)); // the forwarder's own token: a number
  transmit(FwPacket.create(new Data("/p/1"))); // no headers: a bare Data on the wire
  await new Promise((r) => setTimeout(r, 20));
  expect(received).toHaveLength(3);
  const [nack, withToken, data] = received as [FwPacket<Nack>, FwPacket<Interest>, FwPacket<Data>];
  expect(nack.l3).toBeInstanceOf(Nack);
  expect(nack.l3.reason).toBe(NackReason.NoRoute);
  expect(nack.l3.interest.name.toString()).toBe("/8=p/8=1");
  expect(nack.token).toBeUndefined(); // a Nack's token is its sender's: not one of this face's
  expect(withToken.l3.nonce).toBe(7);
  expect(withToken.token).toEqual(expect.any(Uint8Array)); // an Interest's token goes back as it came
  expect(withToken.congestionMark).toBe(1);
  expect(data.l3).toBeInstanceOf(Data);
  // A Data answering with the token this face put on an Interest is given the forwarder's number back.
  const answer = new LpPacket();
  answer.pitToken = withToken.token as Uint8Array;
  answer.payload = Encoder.encode(new Data("/p/1"));
  const back: FwPacket[] = [];
  near.connect((pkt) => back.push(pkt));
  await tb.tx((async function* () {
    yield Encoder.encode(answer);
  })());
  await near.ended;
  expect(back.map((p) => p.token)).toEqual([42]);
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
  expect(face.counters.rxErrors).toBe(1);
});

test("a transport that ends ends its face; closing the face ends its transport", async () => {
  for (const closeFrom of ["transport", "face"] as const) {
    const [ta, tb] = wireTransports("test");
    const node = new NodeForwarder();
    const lp = new LpFace(tb);
    const face = node.addNetworkFace(lp);
    let closed = false;
    face.addEventListener("close", () => void (closed = true));
    const farEnd = ta.tx((async function* () {})());
    if (closeFrom === "transport") {
      await farEnd; // the far end sent nothing and stopped: this end reads no more
    } else {
      face.close();
    }
    await lp.ended;
    await new Promise((r) => setTimeout(r, 10));
    expect(closed).toBe(true);
    expect(node.fw.faces.has(face)).toBe(false);
    node.close();
  }
});
