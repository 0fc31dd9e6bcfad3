import type { Forwarder, FwFace, FwPacket } from "@ndn/fw";
import { L3Face } from "@ndn/l3face";
import { enableNfdPrefixReg, localhostPrefix, type NfdPrefixReg } from "@ndn/nfdmgmt";
import { TcpTransport, UnixTransport } from "@ndn/node-transport";
import type { Name } from "@ndn/packet";

import { AsyncQueue } from "../util/async-queue.js";

export interface NfdFaceOptions {
  fw: Forwarder;
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
 * protocol (@ndn/nfdmgmt): Interests NFD receives for them come here. L3Face reconnects a dropped
 * connection, and the registrations are made again when it is back.
 */
export class NfdFace implements Disposable {
  private constructor(readonly face: FwFace, private readonly reg: NfdPrefixReg, private readonly announcer: FwFace,
      private readonly idle: AsyncQueue<FwPacket>) {}

  static async connect(opts: NfdFaceOptions): Promise<NfdFace> {
    const transport = opts.unix === undefined ? await TcpTransport.connect(opts.tcp!.host, opts.tcp!.port) : await UnixTransport.connect(opts.unix);
    const face = opts.fw.addFace(new L3Face(transport, { describe: `nfd ${transport}` }), { local: true });
    for (const r of [localhostPrefix, ...opts.routes]) {
      face.addRoute(r, false);
    }
    const reg = enableNfdPrefixReg(face, { refreshInterval: opts.refreshMs });
    // What is announced is registered. Faces to other forwarders do not announce (L3Face), so a
    // face that carries no packets announces this node's own prefixes, and nothing else.
    const idle = new AsyncQueue<FwPacket>();
    const announcer = opts.fw.addFace({ rx: idle, tx: () => undefined }, { describe: "own prefixes", advertiseFrom: true });
    for (const p of opts.register) {
      announcer.addAnnouncement(p);
    }
    return new NfdFace(face, reg, announcer, idle);
  }

  [Symbol.dispose](): void {
    this.reg.disable();
    this.idle.close();
    this.announcer.close();
    this.face.close();
  }
}
