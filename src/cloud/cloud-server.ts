import type { Forwarder } from "@ndn/fw";
import { Data, type Name, nullSigner } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";

import { cloudStorePrefix, type StreamId, streamPrefix } from "../naming/mod.js";
import { ConsumerFace, producerLoad, StreamFollower, StreamProducer } from "../streams/mod.js";
import { Random } from "../util/random.js";
import { reportFailure } from "../util/report.js";

export interface CloudPatient {
  hospital: string;
  pid: string;
  /** device id → its streams */
  devices: ReadonlyMap<string, readonly StreamId[]>;
  rateHz?: number;
}

export interface CloudServerOptions {
  fw: Forwarder;
  /** The cloud's name: readings are served under `/<cloud>/store/<reading name>`. */
  cloud: string;
  patients: readonly CloudPatient[];
  /** Start following each stream at a random moment within this many ms (seeded). @defaultValue 0 */
  spreadStartMs?: number;
  seed?: number;
}

/**
 * The central server of the client-server baseline (design.md, mode `cloud`): every reading of
 * every gateway is delivered to it as soon as it is made, and every consumer fetches readings from
 * it, never from the homes.
 *
 * Delivery to the server is modelled with a long-lived Interest the server keeps waiting at each
 * gateway for the next reading: the reading then crosses the network once, as an HTTP POST would,
 * and the small Interest plays the part of the transport's acknowledgement. The server stores each
 * reading, untouched and still signed by its device, inside a Data of its own (unsigned: consumers
 * verify the device's signature within).
 */
export class CloudServer implements Disposable {
  private readonly face: ConsumerFace;
  private readonly followers: StreamFollower[] = [];
  private readonly producers: StreamProducer[] = [];

  constructor(opts: CloudServerOptions) {
    this.face = new ConsumerFace(opts.fw, `cloud ${opts.cloud}`);
    const store = cloudStorePrefix(opts.cloud);
    const random = Random.derive(opts.seed ?? 1, `start cloud ${opts.cloud}`);
    for (const p of opts.patients) {
      for (const [did, streams] of p.devices) {
        for (const stream of streams) {
          const prefix = streamPrefix(p.hospital, p.pid, did, stream);
          const served = store.append(...prefix.comps);
          const producer = new StreamProducer({ fw: opts.fw, prefix: served });
          this.producers.push(producer);
          this.followers.push(new StreamFollower({
            face: this.face,
            prefix,
            lifetimeMs: Math.max(6000, 6000 / (p.rateHz ?? 1)),
            onData: (reading, seq) => void this.store(producer, served, reading, seq).catch(reportFailure(`cloud ${opts.cloud}`)),
            startDelayMs: random.uniform(0, opts.spreadStartMs ?? 0),
          }));
        }
      }
    }
  }

  /** Interests for readings that reached the server, and those it answered: its load as a producer. */
  get load(): { interests: number; answered: number } {
    return producerLoad(this.producers);
  }

  private async store(producer: StreamProducer, served: Name, reading: Data, seq: number): Promise<void> {
    const outer = new Data(served.append(reading.name.get(-1)!), Encoder.encode(reading), Data.FreshnessPeriod(reading.freshnessPeriod));
    await nullSigner.sign(outer);
    producer.publish(seq, outer);
  }

  [Symbol.dispose](): void {
    for (const f of this.followers) {
      f[Symbol.dispose]();
    }
    for (const p of this.producers) {
      p[Symbol.dispose]();
    }
    this.face[Symbol.dispose]();
  }
}
