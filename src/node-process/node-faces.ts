import type { Name } from "@ndn/packet";

import { LocalRib, NfdFace, StreamListener, type StreamPeer, tcpPeer, UdpPeers } from "../faces/mod.js";
import { nameFromUri } from "../naming/mod.js";
import type { NodeForwarder } from "../node/mod.js";
import type { FacesConfig } from "./config.js";

/** Every face a node's config asks for: UDP peers, TCP peers, listeners, a local NFD. */
export class NodeFaces implements AsyncDisposable {
  private constructor(
    readonly udp: UdpPeers | undefined,
    readonly tcpPeers: StreamPeer[],
    readonly listeners: StreamListener[],
    readonly nfd: NfdFace | undefined,
    private readonly rib: LocalRib | undefined,
  ) {}

  /** @param ownPrefixes - what this node serves: registered with the local NFD, if there is one. */
  static async open(node: NodeForwarder, config: FacesConfig, ownPrefixes: readonly Name[]): Promise<NodeFaces> {
    const routes = (list: readonly string[]) => list.map((r) => nameFromUri(r));
    const udp = config.udpListen === undefined ? undefined : await UdpPeers.bind(node, config.udpListen);
    for (const p of config.udpPeers) {
      udp!.add(p.host, p.port, routes(p.routes));
    }
    const tcpPeers = config.tcpPeers.map((p) => tcpPeer({ fw: node, host: p.host, port: p.port, routes: routes(p.routes) }));
    const listeners: StreamListener[] = [];
    // One rib service for both listeners: each would answer every command on the forwarder.
    const rib = config.tcpListen === undefined && config.unixListen === undefined ? undefined : new LocalRib(node.fw);
    if (config.tcpListen !== undefined) {
      listeners.push(await StreamListener.listen({ fw: node, port: config.tcpListen, localRib: rib }));
    }
    if (config.unixListen !== undefined) {
      listeners.push(await StreamListener.listen({ fw: node, path: config.unixListen, localRib: rib }));
    }
    const nfd = config.nfd && new NfdFace({ fw: node, ...config.nfd, routes: routes(config.nfd.routes), register: ownPrefixes });
    return new NodeFaces(udp, tcpPeers, listeners, nfd, rib);
  }

  describe(): string {
    const parts = [
      this.udp && `${this.udp.peerCount} UDP peers`,
      this.tcpPeers.length > 0 && `${this.tcpPeers.length} TCP peers`,
      this.listeners.length > 0 && `${this.listeners.length} listener(s)`,
      this.nfd && "NFD",
    ];
    return parts.filter(Boolean).join(", ") || "no faces";
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.nfd?.[Symbol.dispose]();
    for (const p of this.tcpPeers) {
      p[Symbol.dispose]();
    }
    for (const l of this.listeners) {
      await l[Symbol.asyncDispose]();
    }
    this.rib?.[Symbol.dispose]();
    await this.udp?.[Symbol.asyncDispose]();
  }
}
