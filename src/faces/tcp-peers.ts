import type { Forwarder, FwFace } from "@ndn/fw";
import { L3Face } from "@ndn/l3face";
import { TcpTransport } from "@ndn/node-transport";
import type { Name } from "@ndn/packet";

export interface TcpPeerOptions {
  fw: Forwarder;
  host: string;
  port: number;
  /** Prefixes routed to the peer. */
  routes: readonly Name[];
  /** First wait before connecting again, ms; it doubles up to `maxRetryMs`. @defaultValue 100 */
  minRetryMs?: number;
  /** @defaultValue 5000 */
  maxRetryMs?: number;
}

/**
 * NDN over TCP to a peer that may not be up yet, or may go away: connects, and connects again
 * (100 ms, doubling to 5 s) for as long as it lives. While connected, L3Face itself reopens a
 * dropped connection; if the face closes for good, this starts over.
 */
export class TcpPeer implements Disposable {
  private face?: FwFace;
  private closed = false;
  private retry?: NodeJS.Timeout;
  /** Connections made (the first, and every reconnection). */
  public connections = 0;

  constructor(private readonly opts: TcpPeerOptions) {
    this.connect(opts.minRetryMs ?? 100);
  }

  get connected(): boolean {
    return this.face !== undefined;
  }

  private connect(waitMs: number): void {
    if (this.closed) {
      return;
    }
    TcpTransport.connect(this.opts.host, this.opts.port, { connectTimeout: 2000 }).then((transport) => {
      if (this.closed) {
        void transport.tx((async function* () {})());
        return;
      }
      ++this.connections;
      const l3 = new L3Face(transport, { describe: `tcp://${this.opts.host}:${this.opts.port}` });
      l3.addEventListener("up", () => void ++this.connections); // L3Face reopened the connection
      const face = this.opts.fw.addFace(l3);
      for (const r of this.opts.routes) {
        face.addRoute(r, false);
      }
      this.face = face;
      l3.addEventListener("state", ({ state }) => {
        if (state === L3Face.State.CLOSED && this.face === face) {
          this.face = undefined;
          face.close();
          this.connect(this.opts.minRetryMs ?? 100);
        }
      });
    }, () => {
      this.retry = setTimeout(() => this.connect(Math.min(2 * waitMs, this.opts.maxRetryMs ?? 5000)), waitMs);
    });
  }

  [Symbol.dispose](): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.face?.close();
    this.face = undefined;
  }
}
