import { Forwarder, type FwFace, FwPacket, RejectInterest } from "@ndn/fw";
import { Data, Interest, Nack } from "@ndn/packet";

import { ContentStore } from "./content-store.js";
import { nameHash, prefixHashes, sameName } from "./name-hash.js";
import { RecentMemory } from "./recent-memory.js";
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
  /** How long a seen nonce is remembered at least, ms; at most twice that ({@link RecentMemory}). @defaultValue 6000 */
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

/** Where a held Interest came from, and how to answer it. */
interface Downstream {
  face: FwFace;
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
  face: FwFace;
  token: unknown;
  /** Downstreams held after the first, made when the first is held: most entries have none. */
  more?: Downstream[];
}

/**
 * The lower half of a face that hands packets over by direct calls both ways, as an emulated link's
 * end does. The node layer joins it to the forwarder past @ndn/fw's per-face pipeline of async
 * iterators, which cost a simulated hop more than all the rest of its forwarding; its `rx` only
 * ends (closing the face) and its `tx` sees nothing.
 */
export interface DirectLower extends FwFace.RxTx {
  /**
   * Called once, when the face is added: `receive` takes a packet into the forwarder; the function
   * returned transmits one.
   */
  connect: (receive: (pkt: FwPacket) => void) => (pkt: FwPacket) => void;
}

/** What the layer knows of each face of its forwarder. */
interface FaceState {
  /** The face's own send, for the layer's packets (cached or aggregated Data, rejections). */
  send: (pkt: FwPacket) => void;
  /** A link to another node (numbered from 1), or 0 for an application's face. */
  networkId: number;
}

/**
 * The node layer ndn-iomt adds around an NDNts forwarder, which has no Content Store, no Interest
 * aggregation and no loop detection. Every face of its forwarder (links, producers, consumers),
 * whoever adds it, passes through the layer, which may answer an Interest from the Content Store, hold it
 * behind an equal pending one, or drop it as a loop, and which stores every Data that passes and
 * copies it to the downstreams it held.
 *
 * Pass it wherever NDNts takes a forwarder (`{ fw: node.fw }`); the best-route or multicast choice
 * is made by the routes installed (one next hop, or all).
 *
 * The layer works inside the forwarder's own calls, synchronously: it takes each packet a face
 * receives as the forwarder processes it, and each packet the forwarder sends as a face's `send` is
 * called. Wrapping each face in async iterators of its own instead cost 40% of the forwarding rate.
 * Those calls ({@link Hooks}) are @ndn/fw's internals, as pinned (0.0.20250307);
 * test/node-layer.test.ts covers every function of the layer through them.
 */
export class NodeForwarder {
  readonly fw: Forwarder;
  /** The same forwarder, with the calls the layer takes. */
  private readonly hooked: Forwarder & ForwarderHooks;
  readonly cs: ContentStore;
  private readonly aggregation: boolean;
  private readonly nonceGuard: boolean;
  /** Pending entries by {@link nameHash}: each list may hold other names of the same hash. */
  private readonly pending = new Map<number, PendingEntry[]>();
  /** Pending entries with CanBePrefix: only when there are any must a Data's shorter prefixes be looked up. */
  private prefixEntries = 0;
  /**
   * The loop guard's nonces ({@link smallNonce}), each with a hash of the name it came with
   * ({@link nameHash}), small integers both: a Map of them keeps no object alive per Interest.
   * Keyed by the nonce alone, which is cheaper than by name and nonce: two names that draw one
   * nonce within a few seconds (about once in 2^32 / Interests per second) share an entry, and the
   * older loses its guard.
   */
  private readonly seenNonces: RecentMemory;
  private networkFaces = 0;
  /** The Interest the forwarder is processing, if any ({@link incomingNonce}). */
  private forwarding?: Interest;
  private readonly faces = new WeakMap<FwFace, FaceState>();
  private readonly counters_ = { aggregated: 0, aggregatedData: 0, loops: 0 };
  private readonly flows?: UnicastFlows;

  /** @param id - the node's number, unique in its network (it tells this node's unicast flows apart). */
  constructor(opts: NodeLayerOptions = {}, id = 0) {
    this.flows = opts.unicast ? new UnicastFlows(id) : undefined;
    this.cs = new ContentStore(opts.csCapacity ?? 10_000);
    this.aggregation = opts.aggregation ?? true;
    this.nonceGuard = opts.nonceGuard ?? true;
    this.seenNonces = new RecentMemory(opts.deadNonceMs ?? 6000);
    const fw = Forwarder.create() as Forwarder & ForwarderHooks;
    this.fw = fw;
    this.hooked = fw;
    // Every face, whoever adds it, is known before it carries a packet: faceadd fires in its constructor.
    fw.addEventListener("faceadd", ({ face }) => this.attach(face));
    const processInterest = fw.processInterest.bind(fw);
    const processData = fw.processData.bind(fw);
    fw.processInterest = (face, pkt) => {
      const admitted = this.admitInterest(face, pkt);
      if (admitted) {
        const outer = this.forwarding;
        this.forwarding = admitted.l3;
        try {
          processInterest(face, admitted);
        } finally {
          this.forwarding = outer;
        }
      }
    };
    fw.processData = (face, pkt) => processData(face, this.admitData(face, pkt));
  }

  get counters(): NodeLayerCounters {
    return { csHits: this.cs.hits, csMisses: this.cs.misses, ...this.counters_ };
  }

  /** A face toward another node (a link): the rest are applications'. */
  addNetworkFace(face: FwFace.RxTx | FwFace.RxTxDuplex, attributes?: FwFace.Attributes): FwFace {
    const fwFace = this.fw.addFace(face, attributes);
    const state = this.faces.get(fwFace)!;
    state.networkId = ++this.networkFaces;
    return fwFace;
  }

  /**
   * Put the layer on a face's way out: what the forwarder sends it passes here first. A
   * {@link DirectLower} face is joined to the forwarder directly, both ways.
   */
  private attach(fwFace: FwFace): void {
    const face = fwFace as FwFace & FaceHooks;
    const state: FaceState = { send: face.send.bind(face), networkId: 0 };
    if (isDirect(face.rxtx)) {
      // Both ways only while the face runs, and with the packet events @ndn/fw's own send and
      // receive loops dispatch, which its Tracer and TapFace (NFD prefix registration) listen to.
      const fw = this.hooked;
      const transmit = face.rxtx.connect((pkt) => {
        if (face.running) {
          fw.dispatchPacketEvent("pktrx", face, pkt);
          receive(fw, face, pkt);
        }
      });
      state.send = (pkt) => {
        if (face.running) {
          fw.dispatchPacketEvent("pkttx", face, pkt);
          transmit(pkt);
        }
      };
    }
    this.faces.set(face, state);
    face.send = (pkt) => state.send(state.networkId > 0 ? this.incomingNonce(pkt) :
      this.flows ? toApplication(this.flows, pkt) : pkt);
  }

  /** An Interest a face received: the packet to hand on to the forwarder, or undefined when the layer took it. */
  private admitInterest(face: FwFace, pkt: FwPacket<Interest>): FwPacket<Interest> | undefined {
    // Like NFD, give an Interest its nonce on entering (copies sent on several faces share it);
    // on a copy, since a local consumer sends the same object again to retransmit.
    let interest = pkt.l3.nonce === undefined ? withNonce(pkt.l3) : pkt.l3;
    const state = this.faces.get(face)!;
    if (this.flows && state.networkId === 0 && interest.appParameters === undefined) {
      interest = this.flows.open(interest);
    }
    if (!this.admit(interest, pkt.token, face, state)) {
      return undefined;
    }
    return interest === pkt.l3 ? pkt : FwPacket.create(interest, pkt.token);
  }

  /** A Data a face received: cached, copied to held downstreams, and handed on to the forwarder. */
  private admitData(face: FwFace, pkt: FwPacket<Data>): FwPacket<Data> {
    const data = this.flows && this.faces.get(face)!.networkId === 0 ? this.flows.answer(pkt.l3, pkt.token) : pkt.l3;
    this.onData(data);
    return data === pkt.l3 ? pkt : FwPacket.create(data, pkt.token);
  }

  /**
   * An Interest going out on a network face carries the nonce of the Interest the forwarder is
   * processing, as NFD's do. NDNts's PIT sends its entry's copy of the first Interest, nonce and
   * all, each time another Interest joins the entry (a retransmission, a new downstream), and the
   * next node's loop guard would take that for a loop and drop it. The PIT sends only while it
   * processes an Interest.
   */
  private incomingNonce(pkt: FwPacket): FwPacket {
    const incoming = this.forwarding;
    if (!this.nonceGuard || !incoming || !FwPacket.isEncodable(pkt) || !(pkt.l3 instanceof Interest) ||
      pkt.l3.nonce === incoming.nonce) {
      return pkt;
    }
    return FwPacket.create(withNonce(pkt.l3, incoming.nonce), pkt.token, pkt.congestionMark);
  }

  /** @returns whether the Interest goes on to the forwarder. */
  private admit(interest: Interest, token: unknown, face: FwFace, state: FaceState): boolean {
    const now = Date.now();
    const key = nameHash(interest.name);
    if (this.nonceGuard) {
      const nonce = smallNonce(interest);
      if (this.seenNonces.get(nonce, now) === key) {
        ++this.counters_.loops;
        return false;
      }
      this.seenNonces.set(nonce, key, now);
    }
    this.sweep(now);
    const cached = this.cs.capacity > 0 ? this.cs.lookup(interest, now, key) : undefined;
    if (cached) {
      state.send(FwPacket.create(cached, token));
      return false;
    }
    if (!this.aggregation) {
      return true;
    }
    const list = this.pending.get(key);
    const entry: PendingEntry = { interest, expires: now + interest.lifetime, lastSent: now, suppressMs: SUPPRESS_MIN_MS, face, token };
    if (!list) {
      // The common case: no Interest for this name is pending.
      this.prefixEntries += interest.canBePrefix ? 1 : 0;
      this.pending.set(key, [entry]);
      return true;
    }
    const same = list.find((e) => e.expires > now && e.interest.canBePrefix === interest.canBePrefix &&
      e.interest.mustBeFresh === interest.mustBeFresh && sameName(e.interest.name, interest.name));
    if (same && same.face === face && same.token === token) {
      // The same downstream again (a retransmission, or NDNts re-forwarding its entry when another
      // Interest joined it) goes upstream: holding it would leave the forwarder's own pending entry
      // to expire unrefreshed, and the Data arriving after that would find no one to go to.
      same.expires = now + interest.lifetime;
      same.lastSent = now;
      return true;
    }
    const again = same?.more?.findIndex((d) => d.face === face && d.token === token) ?? -1;
    if (again >= 0) {
      // A held consumer retransmits: it now waits in the forwarder's PIT, not here.
      clearTimeout(same!.more![again]!.expiry);
      same!.more!.splice(again, 1);
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
      const held = (same.more ??= []);
      const expiry = setTimeout(() => {
        const at = held.findIndex((d) => d.token === token && d.face === face);
        if (at >= 0) {
          held.splice(at, 1);
        }
        state.send(new RejectInterest("expire", interest, token));
      }, interest.lifetime);
      held.push({ face, token, expiry });
      return false;
    }
    list.push(entry);
    this.prefixEntries += interest.canBePrefix ? 1 : 0;
    this.keepPending(key, list, (e) => e.expires > now);
    return true;
  }

  /** Keep of a name's pending entries those that pass `keep`: the rest are forgotten. */
  private keepPending(key: number, list: PendingEntry[], keep: (e: PendingEntry) => boolean): void {
    let kept: PendingEntry[] | undefined;
    for (const e of list) {
      if (keep(e)) {
        (kept ??= []).push(e);
      } else {
        this.prefixEntries -= e.interest.canBePrefix ? 1 : 0;
      }
    }
    if (!kept) {
      this.pending.delete(key);
    } else if (kept.length < list.length) {
      this.pending.set(key, kept);
    }
  }

  private onData(data: Data): void {
    // Exact-name entries first; CanBePrefix entries of shorter names are found by walking up the name.
    const keys = this.aggregation && this.prefixEntries > 0 ? prefixHashes(data.name).reverse() : [nameHash(data.name)];
    this.cs.insert(data, Date.now(), keys[0]);
    if (!this.aggregation) {
      return;
    }
    for (const key of keys) {
      const list = this.pending.get(key);
      if (list) {
        this.keepPending(key, list, (e) => !this.satisfy(e, data));
      }
    }
  }

  /** @returns whether `data` satisfies the entry; if it does, its held downstreams get copies. */
  private satisfy(e: PendingEntry, data: Data): boolean {
    const wanted = e.interest.name;
    const named = wanted.length === data.name.length ? sameName(wanted, data.name) :
      e.interest.canBePrefix && wanted.isPrefixOf(data.name);
    if (!named || (e.interest.mustBeFresh && data.freshnessPeriod <= 0)) {
      return false;
    }
    for (const d of e.more ?? []) {
      clearTimeout(d.expiry);
      ++this.counters_.aggregatedData;
      this.faces.get(d.face)?.send(FwPacket.create(data, d.token));
    }
    return true;
  }

  private lastSweep = 0;

  /** Forget pending entries past their time, at most once a second. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) {
      return;
    }
    this.lastSweep = now;
    this.flows?.sweep(now);
    for (const [key, list] of this.pending) {
      this.keepPending(key, list, (e) => e.expires > now);
    }
  }

  close(): void {
    for (const list of this.pending.values()) {
      for (const e of list) {
        for (const d of e.more ?? []) {
          clearTimeout(d.expiry);
        }
      }
    }
    this.pending.clear();
    this.fw.close();
  }
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

/**
 * The calls and fields of @ndn/fw (0.0.20250307) the layer takes: those each face's receive loop
 * calls on the forwarder, the one the forwarder calls on a face to send, and a face's lower half
 * and state.
 */
interface Hooks {
  dispatchPacketEvent: (type: "pktrx" | "pkttx", face: FwFace, pkt: FwPacket) => void;
  processInterest: (face: FwFace, pkt: FwPacket<Interest>) => void;
  cancelInterest: (face: FwFace, pkt: FwPacket<Interest>) => void;
  processData: (face: FwFace, pkt: FwPacket<Data>) => void;
  processNack: (face: FwFace, pkt: FwPacket<Nack>) => void;
  send: (pkt: FwPacket) => void;
  rxtx: FwFace.RxTx | FwFace.RxTxDuplex;
  running: boolean;
}

type ForwarderHooks = Omit<Hooks, keyof FaceHooks>;
type FaceHooks = Pick<Hooks, "send" | "rxtx" | "running">;

function isDirect(rxtx: FwFace.RxTx | FwFace.RxTxDuplex): rxtx is DirectLower {
  return typeof (rxtx as Partial<DirectLower>).connect === "function";
}

/** What a face's receive loop in @ndn/fw does with each packet. */
function receive(fw: ForwarderHooks, face: FwFace, pkt: FwPacket): void {
  const { l3 } = pkt;
  if (l3 instanceof Interest) {
    fw[pkt.cancel ? "cancelInterest" : "processInterest"](face, pkt as FwPacket<Interest>);
  } else if (l3 instanceof Data) {
    fw.processData(face, pkt as FwPacket<Data>);
  } else if (l3 instanceof Nack) {
    fw.processNack(face, pkt as FwPacket<Nack>);
  }
}

/**
 * An Interest's nonce as a signed 32-bit integer: V8 keeps those unboxed (a Smi), where a nonce of
 * 2^31 or more is a heap number, one more object per entry for a Map to keep alive. Every Interest
 * the layer handles has its nonce from admitInterest.
 */
function smallNonce(interest: Interest): number {
  return interest.nonce! | 0;
}

/** A copy of an Interest with another nonce, a new one unless given. */
function withNonce(interest: Interest, nonce = Interest.generateNonce()): Interest {
  const copy = new Interest(interest);
  copy.nonce = nonce;
  return copy;
}
