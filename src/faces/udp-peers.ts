import { createSocket, type Socket } from "node:dgram";

import type { FwFace } from "@ndn/fw";
import { Transport } from "@ndn/l3face";
import type { Name } from "@ndn/packet";
import { Decoder } from "@ndn/tlv";

import { AsyncQueue } from "../util/async-queue.js";
import { LpFace } from "./lp-face.js";
import { addNetworkFace, type NetworkFaceTarget } from "./network-face.js";

/** One peer's side of the shared socket. */
class UdpPeerTransport extends Transport {
  readonly rx = new AsyncQueue<Decoder.Tlv>();

  constructor(private readonly socket: Socket, readonly host: string, readonly port: number,
      private readonly counters: { txPackets: number; txBytes: number }) {
    super({ describe: `udp://${host}:${port}` });
  }

  override get mtu(): number {
    return 8800;
  }

  async tx(iterable: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const pkt of iterable) {
      // Unconnected: a peer that is down loses the datagram, and nothing here breaks.
      ++this.counters.txPackets;
      this.counters.txBytes += pkt.length;
      this.socket.send(pkt, this.port, this.host, () => undefined);
    }
  }
}

/**
 * NDN over UDP with fixed ports: one unconnected socket bound to this node's port, one face per
 * configured peer, datagrams demultiplexed by sender address. A peer that restarts is reached again
 * at once: unlike a connected socket (NDNts's UdpTransport), an unconnected one is not closed by
 * the "port unreachable" errors a peer's downtime causes. Datagrams from unknown senders, and ones
 * that are not TLV, are dropped and counted.
 */
export class UdpPeers implements AsyncDisposable {
  private readonly peers = new Map<string, { transport: UdpPeerTransport; face: FwFace }>();
  public strangers = 0;
  public malformed = 0;
  /** Datagrams and octets sent and received, all peers together. */
  readonly counters = { txPackets: 0, txBytes: 0, rxPackets: 0, rxBytes: 0 };

  private constructor(private readonly socket: Socket, private readonly target: NetworkFaceTarget) {
    socket.on("message", (msg, rinfo) => {
      ++this.counters.rxPackets;
      this.counters.rxBytes += msg.length;
      const peer = this.peers.get(`${rinfo.address}:${rinfo.port}`);
      if (!peer) {
        ++this.strangers;
        return;
      }
      try {
        peer.transport.rx.push(new Decoder(msg).read());
      } catch {
        ++this.malformed;
      }
    });
    socket.on("error", () => undefined); // e.g. ICMP errors: a datagram lost, as UDP allows
  }

  static async bind(target: NetworkFaceTarget, port: number, address = "127.0.0.1"): Promise<UdpPeers> {
    const socket = createSocket({ type: "udp4", reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    return new UdpPeers(socket, target);
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** Add a peer's face, with routes toward it. */
  add(host: string, port: number, routes: readonly Name[]): FwFace {
    const transport = new UdpPeerTransport(this.socket, host, port, this.counters);
    const face = addNetworkFace(this.target, new LpFace(transport, { onRxError: () => void ++this.malformed }));
    for (const r of routes) {
      face.addRoute(r, false);
    }
    this.peers.set(`${host}:${port}`, { transport, face });
    return face;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const { transport, face } of this.peers.values()) {
      transport.rx.close();
      face.close();
    }
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
