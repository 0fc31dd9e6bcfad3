import { SequenceNum } from "@ndn/naming-convention2";
import { type Data, Interest, type Name } from "@ndn/packet";

import { showName } from "../naming/mod.js";
import type { ConsumerFace } from "./consumer-face.js";

export interface StreamFollowerOptions {
  /** The face Interests leave from; one face may serve many followers. */
  face: ConsumerFace;
  /** The stream: Interests are for `<prefix>/seq=<n>`. */
  prefix: Name;
  /** First sequence number to fetch. @defaultValue 0 */
  startSeq?: number;
  /**
   * Interests kept outstanding for the next sequence numbers.
   * Keep window × packet interval well below the lifetime: an Interest for a packet not yet made
   * waits at the producer, and one that expires just as its packet appears costs a retransmission.
   * @defaultValue 3
   */
  window?: number;
  /** InterestLifetime in ms; also how long a lost packet takes to be noticed. @defaultValue 6000 */
  lifetimeMs?: number;
  /**
   * Retransmissions of a sequence number once a later one has arrived (so it was produced and
   * presumably lost), before it is given up as lost. Sequence numbers ahead of the newest
   * received are re-requested for as long as the follower runs: they may not exist yet.
   * @defaultValue 3
   */
  maxRetries?: number;
  /** Called with every Data received, in arrival order. */
  onData: (data: Data, seq: number) => void;
  /** Called when a sequence number is given up. */
  onLost?: (seq: number) => void;
  /**
   * Wait this long before the first Interest: many followers started at one instant send a burst
   * no real network sees. @defaultValue 0
   */
  startDelayMs?: number;
}

/**
 * Follows a sequence-numbered stream with a window of pipelined Interests for the next sequence
 * numbers, recovering from lost Interests and Data by retransmission on timeout.
 */
export class StreamFollower implements Disposable {
  private stopped = false;
  private readonly opts: Required<Omit<StreamFollowerOptions, "onLost" | "startDelayMs">> & Pick<StreamFollowerOptions, "onLost">;
  private readonly starting?: NodeJS.Timeout;
  private next: number;
  private inFlight = 0;
  private newest = -1;
  /** Counters: Interests sent (including retransmissions), Data received, sequence numbers lost. */
  public readonly counters = { interests: 0, received: 0, lost: 0 };

  constructor(opts: StreamFollowerOptions) {
    this.opts = { startSeq: 0, window: 3, lifetimeMs: 6000, maxRetries: 3, ...opts };
    this.next = this.opts.startSeq;
    if (opts.startDelayMs) {
      this.starting = setTimeout(() => this.fill(), opts.startDelayMs);
    } else {
      this.fill();
    }
  }

  private fill(): void {
    while (this.inFlight < this.opts.window && !this.stopped) {
      void this.fetch(this.next++, 0);
    }
  }

  private async fetch(seq: number, retries: number): Promise<void> {
    ++this.inFlight;
    ++this.counters.interests;
    const { face, prefix, lifetimeMs } = this.opts;
    const interest = new Interest(prefix.append(SequenceNum, seq), Interest.Lifetime(lifetimeMs));
    let data: Data | undefined;
    try {
      data = await face.express(interest);
    } catch {
      // timeout, or the face closed: decided below
    }
    --this.inFlight;
    if (this.stopped) {
      return;
    }
    if (!data && (seq > this.newest || retries < this.opts.maxRetries)) {
      // Ahead of the newest, it may not exist yet: ask again for as long as we run.
      void this.fetch(seq, seq > this.newest ? retries : retries + 1);
      return;
    }
    try {
      if (data) {
        ++this.counters.received;
        this.newest = Math.max(this.newest, seq);
        this.opts.onData(data, seq);
      } else {
        ++this.counters.lost;
        this.opts.onLost?.(seq);
      }
    } catch (err: unknown) {
      console.error(`stream ${showName(prefix)} seq=${seq}: the consumer failed: ${(err as Error).stack ?? err}`);
    } finally {
      this.fill();
    }
  }

  [Symbol.dispose](): void {
    this.stopped = true;
    clearTimeout(this.starting);
  }
}
