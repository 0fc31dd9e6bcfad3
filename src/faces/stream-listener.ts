import { rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";

import type { FwFace, FwPacket } from "@ndn/fw";
import { StreamTransport } from "@ndn/l3face";
import type { Name } from "@ndn/packet";

import { LocalRib } from "./local-rib.js";
import { LpFace } from "./lp-face.js";
import { addNetworkFace, forwarderOf, type NetworkFaceTarget } from "./network-face.js";

export interface StreamListenerOptions {
  /** The forwarder the accepted faces go to (each a network face of a node layer: it may be another node's). */
  fw: NetworkFaceTarget;
  /** Address to listen on (TCP). @defaultValue "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks a free one. @defaultValue 6363 (NDN's port) */
  port?: number;
  /** A Unix socket path to listen on instead of TCP. */
  path?: string;
  /** Routes installed toward each accepted peer (what the peer may be asked for). @defaultValue none */
  routes?: readonly Name[];
  /**
   * Where NFD prefix registration commands (`/localhost/nfd/rib/register|unregister`) from local
   * peers (Unix socket, or TCP from a loopback address) are answered, as NFD does: a local
   * application registers its prefixes here as it would with NFD. Listeners on one forwarder must
   * share one. `false`: none. @defaultValue a LocalRib of this listener's own
   */
  localRib?: LocalRib | false;
}

/**
 * The listening side of NDN over TCP or a Unix socket, which @ndn/node-transport does not have:
 * every accepted connection becomes an {@link LpFace} (NDNLPv2; malformed frames dropped and counted)
 * on the forwarder, and is removed when the peer goes.
 */
export class StreamListener implements AsyncDisposable {
  private readonly faces = new Set<FwFace>();
  private readonly rib?: LocalRib;
  private readonly ownRib: boolean;
  /** Frames peers sent that were not valid packets. */
  public malformed = 0;

  private constructor(private readonly server: Server, private readonly opts: StreamListenerOptions) {
    this.ownRib = opts.localRib === undefined;
    this.rib = opts.localRib === undefined ? new LocalRib(forwarderOf(opts.fw)) : opts.localRib || undefined;
    server.on("connection", (socket) => this.accept(socket));
  }

  static async listen(opts: StreamListenerOptions): Promise<StreamListener> {
    const server = createServer();
    const listener = new StreamListener(server, opts);
    if (opts.path !== undefined) {
      await rm(opts.path, { force: true }); // a socket file left by a process that did not stop cleanly
    }
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      const ready = () => {
        server.off("error", reject);
        resolve();
      };
      if (opts.path === undefined) {
        server.listen(opts.port ?? 6363, opts.host ?? "127.0.0.1", ready);
      } else {
        server.listen(opts.path, ready);
      }
    });
    return listener;
  }

  /** The TCP port it listens on (0 on a Unix socket). */
  get port(): number {
    const a = this.server.address();
    return typeof a === "object" && a ? a.port : 0;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const local = this.opts.path !== undefined || isLoopback(socket.remoteAddress);
    const peer = this.opts.path === undefined ? `tcp://${socket.remoteAddress}:${socket.remotePort}` : `unix://${this.opts.path}`;
    // A local peer's rib commands are noted as they arrive, with the face they came on.
    let noteCommand: ((pkt: FwPacket) => void) | undefined;
    const lp = new LpFace(new StreamTransport(socket, { describe: peer }), {
      describe: peer,
      onRxError: () => void ++this.malformed,
      inspect: local && this.rib ? (pkt) => noteCommand!(pkt) : undefined,
    });
    const face = addNetworkFace(this.opts.fw, lp, { local });
    if (local && this.rib) {
      noteCommand = this.rib.commandsFrom(face);
    }
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
    if (this.ownRib) {
      this.rib?.[Symbol.dispose]();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function isLoopback(address = ""): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
