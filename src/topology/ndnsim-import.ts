import { type Topology, TopologyError, type TopologyLink, type TopologyNode } from "./topology.js";

const UNITS: Record<string, number> = { bps: 1e-6, kbps: 1e-3, mbps: 1, gbps: 1000 };

/** Whether a topology text is in ndnSIM's annotated format (its first section is `router`). */
export function isNdnSimTopology(text: string): boolean {
  const first = text.split(/\r?\n/).map((l) => l.replace(/#.*$/, "").trim()).find((l) => l !== "");
  return first === "router";
}

/**
 * Read ndnSIM's annotated topology format (AnnotatedTopologyReader):
 * ```
 * router
 * # node  comment  yPos  xPos
 * Node0   NA       1     3
 * link
 * # srcNode  dstNode  bandwidth  metric  delay  queue
 * Node0      Node1    1Mbps      1       10ms   10
 * ```
 * Every node is a router (the format has no roles); links keep bandwidth, delay and queue.
 */
export function parseNdnSimTopology(text: string, source = "<topology>"): Topology {
  const nodes = new Map<string, TopologyNode>();
  const links: TopologyLink[] = [];
  let section: "router" | "link" | undefined;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = i + 1;
    const fail = (msg: string): never => {
      throw new TopologyError(source, line, msg);
    };
    const t = raw.replace(/#.*$/, "").trim();
    if (t === "") {
      continue;
    }
    if (t === "router" || t === "link") {
      section = t;
      continue;
    }
    const cols = t.split(/\s+/);
    if (section === "router") {
      const name = cols[0]!;
      if (nodes.has(name)) {
        fail(`node ${name} is already defined on line ${nodes.get(name)!.line}`);
      }
      nodes.set(name, { name, role: "router", line, params: {}, patients: [], doctors: 0, monitor: false });
    } else if (section === "link") {
      const [a, b, bw, , delay, queue] = cols;
      if (a === undefined || b === undefined || bw === undefined) {
        fail("expected: srcNode dstNode bandwidth metric delay [queue]");
      }
      for (const n of [a!, b!]) {
        if (!nodes.has(n)) {
          fail(`link to unknown node ${n}`);
        }
      }
      const bwm = /^(\d+(?:\.\d+)?)([KMG]?bps)$/i.exec(bw!);
      if (!bwm) {
        fail(`bandwidth ${JSON.stringify(bw)}: expected e.g. 10Mbps`);
      }
      const dm = delay === undefined ? ["", "0", "ms"] : /^(\d+(?:\.\d+)?)(ms|s|us)$/.exec(delay);
      if (!dm) {
        fail(`delay ${JSON.stringify(delay)}: expected e.g. 10ms`);
      }
      const delayMs = Number(dm![1]) * (dm![2] === "s" ? 1000 : dm![2] === "us" ? 0.001 : 1);
      const q = queue === undefined ? undefined : Number(queue);
      if (q !== undefined && !(Number.isInteger(q) && q > 0)) {
        fail(`queue ${JSON.stringify(queue)}: expected a number of packets`);
      }
      links.push({
        a: a!, b: b!, line, delayMs, loss: 0, jitterMs: 0, maxQueueSize: q,
        bandwidthMbps: Number(bwm![1]) * UNITS[bwm![2]!.toLowerCase()]!,
      });
    } else {
      fail(`a line outside any section: an ndnSIM topology starts with "router"`);
    }
  }
  return { source, nodes, links };
}

/** A topology written in our Mini-NDN format, for editing (adding roles to an imported file). */
export function formatConf(t: Topology): string {
  const out = [`# converted from ${t.source}`, "[nodes]"];
  for (const n of t.nodes.values()) {
    const params = Object.entries(n.params).filter(([k]) => k !== "role").map(([k, v]) => ` ${k}=${v}`).join("");
    out.push(`${n.name}: _ role=${n.role}${params}`);
  }
  out.push("", "[links]");
  for (const l of t.links) {
    const attrs = [`delay=${l.delayMs}ms`];
    if (l.bandwidthMbps !== undefined) {
      attrs.push(`bw=${l.bandwidthMbps}`);
    }
    if (l.loss > 0) {
      attrs.push(`loss=${l.loss * 100}`);
    }
    if (l.jitterMs > 0) {
      attrs.push(`jitter=${l.jitterMs}ms`);
    }
    if (l.maxQueueSize !== undefined) {
      attrs.push(`max_queue_size=${l.maxQueueSize}`);
    }
    if (l.markThreshold !== undefined) {
      attrs.push(`mark_threshold=${l.markThreshold}`);
    }
    out.push(`${l.a}:${l.b} ${attrs.join(" ")}`);
  }
  return `${out.join("\n")}\n`;
}
