import type { Link, DirectionCounters } from "../network/mod.js";
import { CsvTable } from "./csv.js";

const LINK_COLUMNS = ["time_s", "from", "to", "packets", "bytes", "interests", "interest_bytes", "data", "data_bytes", "drops", "lost", "marks", "queue_delay_ms"] as const;

/**
 * Per-link time series: every second of scenario time, what each direction of each link carried
 * in that second (ndnSIM's L3RateTracer, per link).
 */
export class LinkTracer implements Disposable {
  readonly table = new CsvTable(LINK_COLUMNS);
  private readonly last = new Map<string, DirectionCounters>();
  private readonly timer: NodeJS.Timeout;
  private second = 0;

  constructor(private readonly links: readonly Link[], periodMs = 1000) {
    this.timer = setInterval(() => this.sample(), periodMs);
  }

  /** Record the counters' growth since the last sample. */
  sample(): void {
    ++this.second;
    for (const link of this.links) {
      for (const [from, to, dir] of [[link.a, link.b, link.ab], [link.b, link.a, link.ba]] as const) {
        const key = `${from}>${to}`;
        const now = { ...dir.counters };
        const before = this.last.get(key);
        this.last.set(key, now);
        const d = (k: keyof DirectionCounters) => now[k] - (before?.[k] ?? 0);
        this.table.add({
          time_s: this.second, from, to,
          packets: d("packets"), bytes: d("bytes"), interests: d("interests"), interest_bytes: d("interestBytes"),
          data: d("data"), data_bytes: d("dataBytes"), drops: d("drops"), lost: d("lost"), marks: d("marks"), queue_delay_ms: d("queueDelayMs"),
        });
      }
    }
  }

  [Symbol.dispose](): void {
    clearInterval(this.timer);
  }
}

/** Per-reading latency records: produced at the device → verified at each consumer (the monitor, the stations). */
export const READING_COLUMNS = ["consumer", "reading", "patient", "stream", "seq", "produced_ms", "verified_ms", "latency_ms"] as const;

/** Per-alarm receipt records: reading produced → alarm raised → alarm at each doctor. */
export const ALARM_COLUMNS = ["alarm", "patient", "kind", "level", "score", "doctor", "produced_ms", "received_ms", "latency_ms"] as const;
