import { readFile } from "node:fs/promises";

import type { Episode } from "../sensors/mod.js";
import { type Topology, TopologyError } from "../topology/mod.js";
import { parseDuration } from "../util/duration.js";

/** A network event a scenario schedules. */
export interface NetworkEvent {
  atMs: number;
  kind: "link-down" | "link-up" | "node-down" | "node-up";
  /** `a:b` for a link, a node name for a node. */
  target: string;
}

/** What a scenario file adds to a topology: clinical episodes and network events, in scenario time. */
export interface ScenarioScript {
  source: string;
  /** Episodes by patient id (a patient id is unique within its hospital; see {@link parseScenario}). */
  episodes: Array<{ pid: string; episode: Episode }>;
  network: NetworkEvent[];
}

/**
 * Read a scenario file: one event per line, `at <time> <event> <args>`.
 * ```
 * at 2m  deteriorate alice ramp=4m
 * at 5m  fall bob
 * at 3m  link-down home2:isp
 * at 4m  link-up home2:isp
 * at 6m  node-down isp        # every link of the node goes down
 * at 7m  node-up isp
 * ```
 * Patients, links and nodes are checked against the topology; errors name the file and line.
 */
export async function readScenarioFile(path: string, topology: Topology): Promise<ScenarioScript> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err: unknown) {
    throw new Error(`cannot read scenario ${path}: ${(err as Error).message}`);
  }
  return parseScenario(text, topology, path);
}

export function parseScenario(text: string, topology: Topology, source = "<scenario>"): ScenarioScript {
  const script: ScenarioScript = { source, episodes: [], network: [] };
  const patients = new Set([...topology.nodes.values()].flatMap((n) => n.patients.map((p) => p.pid)));
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const fail = (msg: string): never => {
      throw new TopologyError(source, i + 1, msg);
    };
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") {
      continue;
    }
    const [at, time, event, target, ...rest] = line.split(/\s+/);
    if (at !== "at" || time === undefined || event === undefined) {
      fail(`expected "at <time> <event> ...", got ${JSON.stringify(line)}`);
    }
    let atMs = 0;
    try {
      atMs = parseDuration(time!, "s");
    } catch (err: unknown) {
      fail((err as Error).message);
    }
    const needPatient = () => {
      if (target === undefined || !patients.has(target)) {
        fail(`unknown patient ${JSON.stringify(target ?? "")}: ${topology.source} has ${[...patients].join(", ") || "none"}`);
      }
      return target!;
    };
    switch (event) {
      case "deteriorate": {
        const pid = needPatient();
        let rampMs = 60_000;
        for (const opt of rest) {
          const m = /^ramp=(.+)$/.exec(opt);
          if (!m) {
            fail(`deteriorate takes ramp=<time>, got ${JSON.stringify(opt)}`);
          }
          try {
            rampMs = parseDuration(m![1]!, "s");
          } catch (err: unknown) {
            fail(`ramp: ${(err as Error).message}`);
          }
        }
        script.episodes.push({ pid, episode: { kind: "deterioration", atMs, rampMs } });
        break;
      }
      case "fall":
        script.episodes.push({ pid: needPatient(), episode: { kind: "fall", atMs } });
        break;
      case "link-down":
      case "link-up": {
        const [a, b] = (target ?? "").split(":");
        if (!topology.links.some((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a))) {
          fail(`no link ${JSON.stringify(target ?? "")} in ${topology.source}`);
        }
        script.network.push({ atMs, kind: event, target: target! });
        break;
      }
      case "node-down":
      case "node-up":
        if (target === undefined || !topology.nodes.has(target)) {
          fail(`no node ${JSON.stringify(target ?? "")} in ${topology.source}`);
        }
        script.network.push({ atMs, kind: event, target: target! });
        break;
      default:
        fail(`unknown event ${JSON.stringify(event)} (expected deteriorate, fall, link-down, link-up, node-down, node-up)`);
    }
    if (event !== "deteriorate" && rest.length > 0) {
      fail(`unexpected ${JSON.stringify(rest.join(" "))} after ${event} ${target}`);
    }
  }
  return script;
}
