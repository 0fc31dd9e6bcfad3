import { Forwarder, type FwFace, FwPacket, RejectInterest } from "@ndn/fw";
import { Data, Interest } from "@ndn/packet";

import { AsyncQueue } from "../util/async-queue.js";
import { ContentStore } from "./content-store.js";
import { UnicastFlows } from "./unicast-flows.js";

/** Which of the node layer's functions are on; each can be switched off to make a baseline. */
export interface NodeLayerOptions {
  /** Content Store capacity in packets; 0 turns caching off. @defaultValue 10000 */
  csCapacity?: number;
  /**
   * Interest aggregation: an Interest matching a pending one is not forwarded again within the
   * retransmission-suppression interval. @defaultValue true
   */
  aggregation?: boolean;
  /** Drop an Interest whose name and nonce were seen recently (a loop). @defaultValue true */
  nonceGuard?: boolean;
  /** How long a seen nonce is remembered, ms. @defaultValue 6000 */
  deadNonceMs?: number;
  /**
   * Every request on a flow of its own, end to end, as in a client-server network: no two
   * Interests share a pending entry, so every response crosses every link (modes ip and cloud;
   * {@link UnicastFlows}). Interests with ApplicationParameters (sync, commands) are left alone.
   * Only for emulated networks, where links carry packet objects: the consumer's end gives back the
   * producer's packet by identity. A Content Store is of no use with it (no name repeats).
   * @defaultValue false
   */
  unicast?: boolean;
}

/**
 * Retransmission suppression, as NFD's (exponential, 10 ms doubling to 250 ms): an Interest from a
 * new downstream is held behind a pending equal one sent upstream less than this long ago, else
 * forwarded. Holding it for good would leave it waiting on an upstream Interest that expires first,
 * and its consumer without the Data until its own retransmission.
 */
const SUPPRESS_MIN_MS = 10;
const SUPPRESS_MAX_MS = 250;

/** Counters of a node layer. */
export interface NodeLayerCounters {
  csHits: number;
  csMisses: number;
  /** Interests not forwarded because an equal one had gone upstream within the suppression interval. */
  aggregated: number;
  /** Data copies sent to downstreams whose Interests were aggregated. */
  aggregatedData: number;
  /** Interests dropped as loops (duplicate name and nonce). */
  loops: number;
}

interface Downstream {
  out: AsyncQueue<FwPacket>;
  token: unknown;
  /** Rejects the Interest when its lifetime ends unanswered, as the forwarder's PIT would. */
  expiry: ReturnType<typeof setTimeout>;
}

interface PendingEntry {
  interest: Interest;
  expires: number;
  /** When an Interest of this entry last went upstream, and how long a new one is held after that. */
  lastSent: number;
  suppressMs: number;
  /** The downstream that sent it first, served by the forwarder's own PIT. */
  first: { out: AsyncQueue<FwPacket>; token: unknown };
  /** Downstreams after the first: the first is served by the forwarder's own PIT. */
  more: Downstream[];
}

/**
 * The node layer ndn-iomt adds around an NDNts forwarder, which has no Content Store, no Interest
 * aggregation and no loop detection. Every face added through this object (links, producers,
 * consumers) passes through the layer, which may answer an Interest from the Content Store, hold it
 * behind an equal pending one, or drop it as a loop, and which stores every Data that passes and
 * copies it to the downstreams it held.
 *
 * Pass it wherever NDNts takes a forwarder (`{ fw: node.fw }`); the best-route or multicast choice
 * is made by the routes installed (one next hop, or all).
 */
export class NodeForwarder {
  readonly inner: Forwarder;
  readonly fw: Forwarder;
  readonly cs: ContentStore;
  private readonly aggregation: boolean;
  private readonly nonceGuard: boolean;
  private readonly deadNonceMs: number;
  private readonly pending = new Map<string, PendingEntry[]>();
  /** Pending entries with CanBePrefix: only when there are any must a Data's shorter prefixes be looked up. */
  private prefixEntries = 0;
  private readonly seenNonces = new Map<string, number>();
  /** Name and nonce of each Interest sent on each network face, until it could still be in flight. */
  private readonly sentNonces = new Map<string, number>();
  private networkFaces = 0;
  private readonly counters_ = { aggregated: 0, aggregatedData: 0, loops: 0 };
  private readonly flows?: UnicastFlows;

  /** @param id - the node's number, unique in its network (it tells this node's unicast flows apart). */
  constructor(opts: NodeLayerOptions = {}, id = 0) {
    this.flows = opts.unicast ? new UnicastFlows(id) : undefined;
    this.inner = Forwarder.create();
    this.cs = new ContentStore(opts.csCapacity ?? 10_000);
    this.aggregation = opts.aggregation ?? true;
    this.nonceGuard = opts.nonceGuard ?? true;
    this.deadNonceMs = opts.deadNonceMs ?? 6000;
    // A Forwarder whose addFace puts the layer in front of each face; everything else is the inner one's.
    const addFace = (face: FwFace.RxTx | FwFace.RxTxDuplex, attrs?: FwFace.Attributes) => this.addFace(face, attrs, false);
    const bound = new Map<PropertyKey, unknown>();
    this.fw = new Proxy(this.inner, {
      get: (target, prop) => {
        if (prop === "addFace") {
          return addFace;
        }
        const v = Reflect.get(target, prop, target);
        if (typeof v !== "function") {
          return v;
        }
        let b = bound.get(prop);
        if (!b) {
          b = v.bind(target);
          bound.set(prop, b);
        }
        return b;
      },
    });
  }

  get counters(): NodeLayerCounters {
    return { csHits: this.cs.hits, csMisses: this.cs.misses, ...this.counters_ };
  }

  /** A face toward another node (a link): the rest are applications'. */
  addNetworkFace(face: FwFace.RxTx | FwFace.RxTxDuplex): FwFace {
    return this.addFace(face, undefined, true);
  }

  private addFace(face: FwFace.RxTx | FwFace.RxTxDuplex, attrs: FwFace.Attributes | undefined, network: boolean): FwFace {
    // What the face sends: the forwarder's packets, and the layer's own (cached or aggregated Data).
    const out = new AsyncQueue<FwPacket>();
    const flows = network ? undefined : this.flows;
    const faceId = network ? ++this.networkFaces : 0;
    const toFace = (fromFw: AsyncIterable<FwPacket>) => {
      void (async () => {
        for await (const pkt of fromFw) {
          out.push(flows ? toApplication(flows, pkt) : network ? this.freshNonce(faceId, pkt) : pkt);
        }
        out.close();
      })();
      return out;
    };
    const fromFace = (rx: AsyncIterable<FwPacket>) => this.filterRx(rx, out, flows);
    const wrapped: FwFace.RxTxDuplex = "duplex" in face ?
      { attributes: face.attributes, duplex: (fromFw) => fromFace(face.duplex(toFace(fromFw))) } :
      { attributes: face.attributes, duplex: (fromFw) => (void face.tx(toFace(fromFw)), fromFace(face.rx)) };
    const fwFace = this.inner.addFace(wrapped, attrs);
    fwFace.addEventListener("close", () => out.close());
    return fwFace;
  }

  /** Packets from a face toward the forwarder. */
  private async *filterRx(rx: AsyncIterable<FwPacket>, out: AsyncQueue<FwPacket>, flows?: UnicastFlows): AsyncIterable<FwPacket> {
    for await (const pkt of rx) {
      if (!FwPacket.isEncodable(pkt)) {
        yield pkt; // cancellations and rejections pass untouched
      } else if (pkt.l3 instanceof Interest) {
        // Like NFD, give an Interest its nonce on entering (copies sent on several faces share it);
        // on a copy, since a local consumer sends the same object again to retransmit.
        let interest = pkt.l3.nonce === undefined ? withNonce(pkt.l3) : pkt.l3;
        if (flows && interest.appParameters === undefined) {
          interest = flows.open(interest);
        }
        const admitted = interest === pkt.l3 ? pkt : FwPacket.create(interest, pkt.token);
        if (this.admitInterest(interest, pkt.token, out)) {
          yield admitted;
        }
      } else if (pkt.l3 instanceof Data) {
        const data = flows ? flows.answer(pkt.l3, pkt.token) : pkt.l3;
        this.onData(data);
        yield data === pkt.l3 ? pkt : FwPacket.create(data, pkt.token);
      } else {
        yield pkt;
      }
    }
  }

  /**
   * An Interest going out on a network face again with a nonce it already carried there gets a new
   * one. NDNts's PIT forwards its first Interest again when a retransmission joins a pending entry,
   * and the next node's loop guard would take that for a loop and drop it; NFD sends the nonce of
   * the Interest that came in.
   */
  private freshNonce(faceId: number, pkt: FwPacket): FwPacket {
    if (!this.nonceGuard || !FwPacket.isEncodable(pkt) || !(pkt.l3 instanceof Interest)) {
      return pkt;
    }
    const now = Date.now();
    let interest = pkt.l3;
    const key = (i: Interest) => `${faceId}:${i.name.valueHex}:${i.nonce}`;
    if ((this.sentNonces.get(key(interest)) ?? 0) > now) {
      interest = withNonce(interest);
    }
    // Remembered twice as long as a loop guard remembers it: the next node's guard counts from receipt.
    this.sentNonces.set(key(interest), now + 2 * this.deadNonceMs);
    return interest === pkt.l3 ? pkt : FwPacket.create(interest, pkt.token, pkt.congestionMark);
  }

  /** @returns whether the Interest goes on to the forwarder. */
  private admitInterest(interest: Interest, token: unknown, out: AsyncQueue<FwPacket>): boolean {
    const now = Date.now();
    if (this.nonceGuard) {
      const key = `${interest.name.valueHex}:${interest.nonce}`;
      const seen = this.seenNonces.get(key);
      if (seen !== undefined && seen > now) {
        ++this.counters_.loops;
        return false;
      }
      this.seenNonces.set(key, now + this.deadNonceMs);
    }
    this.sweep(now);
    const cached = this.cs.capacity > 0 ? this.cs.lookup(interest, now) : undefined;
    if (cached) {
      out.push(FwPacket.create(cached, token));
      return false;
    }
    if (!this.aggregation) {
      return true;
    }
    const key = interest.name.valueHex;
    const list = this.pending.get(key) ?? [];
    const same = list.find((e) => e.expires > now && e.interest.canBePrefix === interest.canBePrefix &&
      e.interest.mustBeFresh === interest.mustBeFresh);
    if (same && same.first.out === out && same.first.token === token) {
      // The same downstream again (a retransmission, or NDNts re-forwarding its entry when another
      // Interest joined it) goes upstream: holding it would leave the forwarder's own pending entry
      // to expire unrefreshed, and the Data arriving after that would find no one to go to.
      same.expires = now + interest.lifetime;
      same.lastSent = now;
      return true;
    }
    const again = same?.more.findIndex((d) => d.out === out && d.token === token) ?? -1;
    if (again >= 0) {
      // A held consumer retransmits: it now waits in the forwarder's PIT, not here.
      clearTimeout(same!.more[again]!.expiry);
      same!.more.splice(again, 1);
      return true;
    }
    if (same && now - same.lastSent >= same.suppressMs) {
      // Held too long after the last upstream Interest, which may expire before this one: forward it.
      same.lastSent = now;
      same.suppressMs = Math.min(same.suppressMs * 2, SUPPRESS_MAX_MS);
      same.expires = Math.max(same.expires, now + interest.lifetime);
      return true;
    }
    if (same) {
      ++this.counters_.aggregated;
      // The forwarder never sees this Interest, so its consumer learns of the timeout from here.
      const expiry = setTimeout(() => {
        const at = same.more.findIndex((d) => d.token === token && d.out === out);
        if (at >= 0) {
          same.more.splice(at, 1);
        }
        out.push(new RejectInterest("expire", interest, token));
      }, interest.lifetime);
      same.more.push({ out, token, expiry });
      return false;
    }
    list.push({ interest, expires: now + interest.lifetime, lastSent: now, suppressMs: SUPPRESS_MIN_MS, first: { out, token }, more: [] });
    this.prefixEntries += interest.canBePrefix ? 1 : 0;
    const live = list.filter((e) => e.expires > now);
    this.prefixEntries -= countPrefixEntries(list) - countPrefixEntries(live);
    this.pending.set(key, live);
    return true;
  }

  private onData(data: Data): void {
    this.cs.insert(data);
    if (!this.aggregation) {
      return;
    }
    // Exact-name entries; CanBePrefix entries of shorter names are found by walking up the name.
    const shortest = this.prefixEntries > 0 ? 0 : data.name.length;
    for (let len = data.name.length; len >= shortest; --len) {
      const key = len === data.name.length ? data.name.valueHex : data.name.getPrefix(len).valueHex;
      const list = this.pending.get(key);
      if (!list) {
        continue;
      }
      const rest = list.filter((e) => {
        const satisfied = (len === data.name.length || e.interest.canBePrefix) && (!e.interest.mustBeFresh || data.freshnessPeriod > 0);
        if (satisfied) {
          for (const d of e.more) {
            clearTimeout(d.expiry);
            ++this.counters_.aggregatedData;
            d.out.push(FwPacket.create(data, d.token));
          }
        }
        return !satisfied;
      });
      this.prefixEntries -= countPrefixEntries(list) - countPrefixEntries(rest);
      if (rest.length === 0) {
        this.pending.delete(key);
      } else {
        this.pending.set(key, rest);
      }
    }
  }

  private lastSweep = 0;

  /** Forget nonces and pending entries past their time, at most once a second. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) {
      return;
    }
    this.lastSweep = now;
    this.flows?.sweep(now);
    for (const nonces of [this.seenNonces, this.sentNonces]) {
      for (const [key, until] of nonces) {
        if (until <= now) {
          nonces.delete(key);
        }
      }
    }
    for (const [key, list] of this.pending) {
      const live = list.filter((e) => e.expires > now);
      this.prefixEntries -= countPrefixEntries(list) - countPrefixEntries(live);
      if (live.length === 0) {
        this.pending.delete(key);
      } else if (live.length < list.length) {
        this.pending.set(key, live);
      }
    }
  }

  close(): void {
    for (const list of this.pending.values()) {
      for (const e of list) {
        for (const d of e.more) {
          clearTimeout(d.expiry);
        }
      }
    }
    this.pending.clear();
    this.inner.close();
  }
}

function countPrefixEntries(list: readonly PendingEntry[]): number {
  let n = 0;
  for (const e of list) {
    n += e.interest.canBePrefix ? 1 : 0;
  }
  return n;
}

/** A packet the forwarder sends to an application, on this node's end of a unicast flow. */
function toApplication(flows: UnicastFlows, pkt: FwPacket): FwPacket {
  if (!FwPacket.isEncodable(pkt)) {
    return pkt; // a rejection: its consumer finds it by token
  }
  if (pkt.l3 instanceof Interest) {
    const interest = flows.deliverInterest(pkt.l3, pkt.token);
    return interest === pkt.l3 ? pkt : FwPacket.create(interest, pkt.token);
  }
  if (pkt.l3 instanceof Data) {
    const data = UnicastFlows.receive(pkt.l3);
    return data === pkt.l3 ? pkt : FwPacket.create(data, pkt.token);
  }
  return pkt;
}

/** A copy of an Interest with a new nonce. */
function withNonce(interest: Interest): Interest {
  const copy = new Interest(interest);
  copy.nonce = Interest.generateNonce();
  return copy;
}
