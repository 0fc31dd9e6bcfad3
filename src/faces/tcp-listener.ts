import { createServer, type Server, type Socket } from "node:net";

import type { Forwarder, FwFace } from "@ndn/fw";
import { L3Face, StreamTransport } from "@ndn/l3face";
import type { Name } from "@ndn/packet";

export interface TcpListenerOptions {
  fw: Forwarder;
  /** Address to listen on. @defaultValue "127.0.0.1" */
  host?: string;
  /** Port; 0 picks a free one. @defaultValue 6363 (NDN's port) */
  port?: number;
  /** Routes installed toward each accepted peer (what the peer may be asked for). @defaultValue none */
  routes?: readonly Name[];
}

/**
 * The listening side of NDN over TCP, which @ndn/node-transport does not have: every accepted
 * connection becomes an NDNts L3Face (NDNLPv2; malformed frames dropped and counted by L3Face)
 * on the forwarder, and is removed when the peer goes.
 */
export class TcpListener implements AsyncDisposable {
  private readonly faces = new Set<FwFace>();
  /** Frames peers sent that were not valid packets. */
  public malformed = 0;

  private constructor(private readonly server: Server, private readonly opts: TcpListenerOptions) {
    server.on("connection", (socket) => this.accept(socket));
  }

  static async listen(opts: TcpListenerOptions): Promise<TcpListener> {
    const server = createServer();
    const listener = new TcpListener(server, opts);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 6363, opts.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return listener;
  }

  /** The port it listens on. */
  get port(): number {
    const a = this.server.address();
    return typeof a === "object" && a ? a.port : 0;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const peer = `tcp://${socket.remoteAddress}:${socket.remotePort}`;
    const l3 = new L3Face(new StreamTransport(socket, { describe: peer }), { describe: peer });
    l3.addEventListener("rxerror", () => void ++this.malformed);
    const face = this.opts.fw.addFace(l3);
    for (const r of this.opts.routes ?? []) {
      face.addRoute(r, false);
    }
    this.faces.add(face);
    const drop = () => {
      face.close();
      this.faces.delete(face);
    };
    socket.once("close", drop);
    socket.once("error", drop);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const f of this.faces) {
      f.close();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
