import { generateKeyPairSync, verify as cryptoVerify } from "node:crypto";

import { FwPacket } from "@ndn/fw";
import { Data, Interest, LLVerify, type Name } from "@ndn/packet";
import { MemoryLevel } from "memory-level";

import { devicePrefix, patientPrefix, readingNameIn, streamPrefix } from "../naming/mod.js";
import { EmulatedNetwork } from "../network/mod.js";
import { deviceKit, Reading, STREAMS } from "../sensors/mod.js";
import { virtualTime } from "../sim/time-driver.js";
import { AppFace } from "../streams/app-face.js";
import { ConsumerFace } from "../streams/mod.js";
import type { Topology } from "../topology/mod.js";
import { encodeCompact } from "../util/encode.js";
import { Random } from "../util/random.js";
import { publishWithDependencies } from "./dependencies-only.js";

/** What the dependency ceiling measured. */
export interface DependencyCeiling {
  simulatedSeconds: number;
  wallSeconds: number;
  /** Simulated seconds per wall second: the fastest a simulation of this topology can be with the pinned dependencies. */
  realtimeFactor: number;
  readingsPublished: number;
  readingsVerified: number;
}

/** Forwarders with every function of the node layer off: @ndn/fw joined to the links by direct calls, as the simulator joins it. */
const PASS_THROUGH = { csCapacity: 0, aggregation: false, nonceGuard: false };

/**
 * The work a simulation of `topology` must ask of its pinned dependencies for every reading, with
 * nothing of ndn-iomt's own on top but the virtual clock and the emulated links: each vital
 * reading is encoded (NDNts), named, built into a Data and signed (node:crypto ECDSA P-256),
 * hashed for its ledger (SHA-256) and stored at its home (memory-level); its hospital's monitor
 * fetches it through plain @ndn/fw forwarders, verifies it, decodes it and stores it.
 *
 * Left out, so that this is a ceiling: Content Stores, aggregation and loop guards, trust policy
 * and certificate chains, ledger blocks, scoring and alarms, doctors, stations, the consultation
 * ledger, traces. A simulation doing all of the scenario cannot be faster than this.
 */
export async function dependencyCeiling(topology: Topology, durationMs: number, seed = 1): Promise<DependencyCeiling> {
  using time = virtualTime(seed);
  using net = new EmulatedNetwork(topology, seed, PASS_THROUGH);
  // One key for every device: the cost of a signature does not depend on whose key it is.
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const opened: Disposable[] = [];
  let stopped = false;
  // The first error of a reading's way (a store, a signature that does not verify) ends the run with it.
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
  };
  let readingsPublished = 0;
  let readingsVerified = 0;
  const consumers = new Map<string, { face: ConsumerFace; store: MemoryLevel<Uint8Array, Uint8Array> }>();
  const consumerAt = (hospital: string) => {
    let c = consumers.get(hospital);
    if (!c) {
      c = { face: new ConsumerFace(net.fw(hospital), `ceiling monitor ${hospital}`), store: memoryStore() };
      opened.push(c.face);
      consumers.set(hospital, c);
    }
    return c;
  };

  for (const home of [...topology.nodes.values()].filter((n) => n.role === "home")) {
    const hospital = home.hospital!;
    const monitored = topology.nodes.get(hospital)?.monitor ?? false;
    const store = memoryStore();
    // Readings not asked for yet, and the PIT tokens of Interests that came before their reading:
    // each reading has one consumer, so each is let go once answered.
    const unasked = new Map<string, Data>();
    const waiting = new Map<string, unknown>();
    const producer = new AppFace(net.fw(home.name), { describe: `ceiling producer ${home.name}` }, ({ l3, token }) => {
      if (l3 instanceof Interest) {
        const data = unasked.get(l3.name.valueHex);
        if (data) {
          unasked.delete(l3.name.valueHex);
          producer.send(FwPacket.create(data, token));
        } else {
          waiting.set(l3.name.valueHex, token);
        }
      }
    });
    opened.push(producer);
    for (const p of home.patients) {
      producer.face.addRoute(patientPrefix(hospital, p.pid));
      net.announce(home.name, patientPrefix(hospital, p.pid));
      for (const [did, streams] of deviceKit(p.streams)) {
        const keyName = devicePrefix(hospital, p.pid, did).append("KEY");
        for (const stream of streams.filter((s) => STREAMS[s].kind === "vital")) {
          const prefix = streamPrefix(hospital, p.pid, did, stream);
          const values = STREAMS[stream].quantities.map((q) => (q.range[0] + q.range[1]) / 2);
          const periodMs = 1000 / p.rateHz;
          let seq = 0;
          const sample = async () => {
            setTimeout(() => void sample().catch(fail), periodMs);
            const data = new Data(readingNameIn(prefix, seq++), Reading.create(Date.now(), values).toContent(), Data.FreshnessPeriod(periodMs));
            await publishWithDependencies(data, keyName, privateKey, store);
            ++readingsPublished;
            const key = data.name.valueHex;
            const token = waiting.get(key);
            if (token === undefined) {
              unasked.set(key, data);
            } else {
              waiting.delete(key);
              producer.send(FwPacket.create(data, token));
            }
          };
          setTimeout(() => void sample().catch(fail), Random.derive(seed, `phase ${prefix.toString()}`).uniform(0, periodMs));
          if (monitored) {
            follow(consumerAt(hospital), prefix);
          }
        }
      }
    }
  }
  net.computeRoutes();

  /** One Interest for the next reading of a stream always pending, as the monitor's follower keeps. */
  function follow({ face, store }: { face: ConsumerFace; store: MemoryLevel<Uint8Array, Uint8Array> }, prefix: Name, seq = 0): void {
    (async () => {
      const data = await face.express(new Interest(readingNameIn(prefix, seq), Interest.Lifetime(4000))).catch(() => undefined);
      if (stopped) {
        return;
      }
      if (data) {
        await data[LLVerify.OP]((input, sig) => {
          if (!cryptoVerify("sha256", input, publicKey, sig)) {
            throw new Error(`${prefix}: bad signature`);
          }
          return Promise.resolve();
        });
        Reading.fromContent(data.content);
        await store.batch([{ type: "put", key: data.name.value, value: encodeCompact(data) }]);
        ++readingsVerified;
      }
      follow({ face, store }, prefix, data ? seq + 1 : seq);
    })().catch(fail);
  }

  const start = process.hrtime.bigint();
  await time.advance(durationMs);
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  stopped = true;
  for (const d of opened.reverse()) {
    d[Symbol.dispose]();
  }
  if (failure !== undefined) {
    throw failure;
  }
  return {
    simulatedSeconds: durationMs / 1000,
    wallSeconds,
    realtimeFactor: durationMs / 1000 / wallSeconds,
    readingsPublished,
    readingsVerified,
  };
}

function memoryStore(): MemoryLevel<Uint8Array, Uint8Array> {
  return new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: "view", valueEncoding: "view" });
}
