import type { Forwarder } from "@ndn/fw";
import type { DataStore as S } from "@ndn/repo-api";

import { type StreamId, streamPrefix } from "../naming/mod.js";
import type { SignedReading } from "../sensors/mod.js";
import { producerLoad, StreamProducer } from "../streams/mod.js";

export interface ReadingPublisherOptions {
  fw: Forwarder;
  hospital: string;
  pid: string;
  /** device id → its streams */
  devices: ReadonlyMap<string, readonly StreamId[]>;
  /** Readings kept per stream for retrieval (older ones are the repo's job). @defaultValue 600 */
  bufferSize?: number;
  /** The home repo, which answers for readings older than the buffer. */
  store?: S.Find;
}

/**
 * The home gateway's side of a patient's streams: takes each device's signed readings and serves
 * them to the network, one {@link StreamProducer} per stream.
 */
export class ReadingPublisher implements Disposable {
  private readonly streams = new Map<string, StreamProducer>();
  private count = 0;

  constructor(opts: ReadingPublisherOptions) {
    for (const [did, streams] of opts.devices) {
      for (const stream of streams) {
        this.streams.set(`${did}/${stream}`, new StreamProducer({
          fw: opts.fw,
          prefix: streamPrefix(opts.hospital, opts.pid, did, stream),
          bufferSize: opts.bufferSize,
          fallback: opts.store && ((interest) => opts.store!.find(interest)),
        }));
      }
    }
  }

  /** Make a device's signed reading retrievable. */
  publish({ data, did, stream, seq }: SignedReading): void {
    const producer = this.streams.get(`${did}/${stream}`);
    if (!producer) {
      throw new Error(`this gateway has no stream ${stream} on device ${did}`);
    }
    producer.publish(seq, data);
    ++this.count;
  }

  /** After a restart: each stream (`<did>/<stream>`) goes on at its next sequence number; older readings are the repo's. */
  resumeFrom(next: ReadonlyMap<string, number>): void {
    for (const [key, seq] of next) {
      this.streams.get(key)?.resumeFrom(seq);
    }
  }

  /** Interests for readings that reached the gateway, and those it answered: its load as a producer. */
  get load(): { interests: number; answered: number } {
    return producerLoad(this.streams.values());
  }

  /** Readings published so far. */
  get published(): number {
    return this.count;
  }

  [Symbol.dispose](): void {
    for (const p of this.streams.values()) {
      p[Symbol.dispose]();
    }
  }
}
