import type { FwFace } from "@ndn/fw";
import type { Transport } from "@ndn/l3face";
import { TcpTransport } from "@ndn/node-transport";
import type { Name } from "@ndn/packet";

import { LpFace } from "./lp-face.js";
import { addNetworkFace, type NetworkFaceTarget } from "./network-face.js";

/** A connection that lasts this long (ms) was not refused in disguise: the next one starts without backoff. */
const LASTED_MS = 1000;

export interface StreamPeerOptions {
  fw: NetworkFaceTarget;
  /** Open a connection (rejects when the other side is not there). */
  connect: () => Promise<Transport>;
  describe: string;
  /** Prefixes routed to the peer. */
  routes: readonly Name[];
  /** Face attributes. @defaultValue none */
  attributes?: FwFace.Attributes;
  /** Called with each new face, once connected. */
  onFace?: (face: FwFace) => void;
  /** First wait before connecting again, ms; it doubles up to `maxRetryMs`. @defaultValue 100 */
  minRetryMs?: number;
  /** @defaultValue 5000 */
  maxRetryMs?: number;
}

/**
 * A stream face (TCP, Unix) to a peer that may not be up yet, or may go away: connects, and
 * connects again (100 ms, doubling to 5 s) for as long as it lives. A dropped connection closes
 * its face, and connecting starts over 100 ms later (backing off, if connections keep dropping
 * at once).
 */
export class StreamPeer implements Disposable {
  private face?: FwFace;
  private closed = false;
  private retry?: NodeJS.Timeout;
  /** Connections made (the first, and every reconnection). */
  public connections = 0;
  /** Frames the peer sent that were not valid packets. */
  public malformed = 0;

  constructor(private readonly opts: StreamPeerOptions) {
    this.connect(opts.minRetryMs ?? 100);
  }

  get connected(): boolean {
    return this.face !== undefined;
  }

  private connect(waitMs: number): void {
    if (this.closed) {
      return;
    }
    this.opts.connect().then((transport) => this.attach(transport, waitMs), () => this.connectAfter(waitMs));
  }

  /** Connect again after `waitMs`; if that fails too, after twice as long, up to `maxRetryMs`. */
  private connectAfter(waitMs: number): void {
    this.retry = setTimeout(() => this.connect(Math.min(2 * waitMs, this.opts.maxRetryMs ?? 5000)), waitMs);
  }

  private attach(transport: Transport, waitMs: number): void {
    if (this.closed) {
      void transport.tx((async function* () {})());
      return;
    }
    ++this.connections;
    const lp = new LpFace(transport, { describe: this.opts.describe, onRxError: () => void ++this.malformed });
    let face: FwFace;
    try {
      face = addNetworkFace(this.opts.fw, lp, this.opts.attributes);
    } catch {
      // The forwarder is closed: this connection goes, and connecting goes on until disposed.
      void transport.tx((async function* () {})());
      this.connectAfter(waitMs);
      return;
    }
    for (const r of this.opts.routes) {
      face.addRoute(r, false);
    }
    this.face = face;
    const connectedAt = Date.now();
    // A dropped connection: this face goes, and a new one is made. After a connection that lasted,
    // at the first wait; a peer that drops each connection at once is backed off from, as one
    // that refuses them is.
    void lp.ended.then(() => {
      if (this.face === face) {
        this.face = undefined;
        face.close();
        this.connectAfter(Date.now() - connectedAt >= LASTED_MS ? this.opts.minRetryMs ?? 100 : waitMs);
      }
    });
    this.opts.onFace?.(face);
  }

  [Symbol.dispose](): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.face?.close();
    this.face = undefined;
  }
}

/** NDN over TCP to a peer, connecting (again) whenever it is there. */
export function tcpPeer(opts: Omit<StreamPeerOptions, "connect" | "describe"> & { host: string; port: number }): StreamPeer {
  return new StreamPeer({
    ...opts,
    describe: `tcp://${opts.host}:${opts.port}`,
    connect: () => TcpTransport.connect(opts.host, opts.port, { connectTimeout: 2000 }),
  });
}
