import type { FwFace, FwPacket } from "@ndn/fw";
import { enableNfdPrefixReg, localhostPrefix } from "@ndn/nfdmgmt";
import { TcpTransport, UnixTransport } from "@ndn/node-transport";
import type { Name } from "@ndn/packet";

import { AsyncQueue } from "../util/async-queue.js";
import { forwarderOf, type NetworkFaceTarget } from "./network-face.js";
import { StreamPeer } from "./stream-peer.js";

export interface NfdFaceOptions {
  fw: NetworkFaceTarget;
  /** NFD's Unix socket; or... */
  unix?: string;
  /** ...its TCP address. */
  tcp?: { host: string; port: number };
  /** Prefixes this node serves: registered with NFD (rib/register), and refreshed while connected. */
  register: readonly Name[];
  /** Prefixes routed to NFD (besides its management prefix, /localhost/nfd). */
  routes: readonly Name[];
  /** How often registrations are refreshed, ms. @defaultValue 300000 (NDNts's) */
  refreshMs?: number;
}

/**
 * A face to the local NFD, with this node's prefixes registered through NFD's management
 * protocol (@ndn/nfdmgmt): Interests NFD receives for them come here. NFD may start after this
 * node, or restart: the face connects whenever NFD is there, and registers again each time.
 */
export class NfdFace implements Disposable {
  private readonly peer: StreamPeer;
  private readonly announcer: FwFace;
  private readonly idle = new AsyncQueue<FwPacket>();

  constructor(opts: NfdFaceOptions) {
    // What is announced is registered. Faces to other forwarders do not announce (LpFace), so a
    // face that carries no packets announces this node's own prefixes, and nothing else.
    this.announcer = forwarderOf(opts.fw).addFace({ rx: this.idle, tx: () => undefined }, { describe: "own prefixes", advertiseFrom: true });
    for (const p of opts.register) {
      this.announcer.addAnnouncement(p);
    }
    const { unix, tcp } = opts;
    this.peer = new StreamPeer({
      fw: opts.fw,
      describe: unix === undefined ? `nfd tcp://${tcp!.host}:${tcp!.port}` : `nfd unix://${unix}`,
      connect: () => unix === undefined ? TcpTransport.connect(tcp!.host, tcp!.port, { connectTimeout: 2000 }) : UnixTransport.connect(unix),
      routes: [localhostPrefix, ...opts.routes],
      attributes: { local: true },
      // Registration lasts as long as the face: a new connection registers everything again.
      onFace: (face) => void enableNfdPrefixReg(face, { refreshInterval: opts.refreshMs }),
    });
  }

  get connected(): boolean {
    return this.peer.connected;
  }

  [Symbol.dispose](): void {
    this.peer[Symbol.dispose]();
    this.idle.close();
    this.announcer.close();
  }
}
