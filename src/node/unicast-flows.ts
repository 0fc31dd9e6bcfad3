import { Component, Data, Interest, Name } from "@ndn/packet";

import { TT } from "../an.js";

/** Original Data of each flow-named copy, so that the consumer's end gives back the very packet the producer made. */
const originals = new WeakMap<Data, Data>();

/**
 * Unicast flows, how modes `ip` and `cloud` emulate a client-server network on NDN forwarders
 * (docs/decisions.md). An NDNts forwarder merges pending Interests for one name, whatever their
 * downstreams, and sends one Data back to all of them; IP does not: every request is its own flow
 * and its response crosses every link on its way. So each Interest an application sends gets a
 * flow component of its own at the consumer's node (`.../<flow>`, like a connection's port
 * number); no two requests then share a pending entry anywhere. At the producer's node the
 * component is taken off before the producer sees the Interest, and the Data is sent back under
 * the flow's name; at the consumer's node the consumer receives the producer's Data unchanged.
 * On links, a flow's packets are the originals plus the flow component (`<node>.<request>`, about
 * ten octets: lighter than the 40 of TCP/IP headers).
 */
export class UnicastFlows {
  private next = 0;
  /** Flow names of Interests handed to producers, by the PIT token they carry, until they expire. */
  private readonly byToken = new Map<unknown, { name: Name; expires: number }>();

  /** @param node - distinguishes this node's flows from every other node's. */
  constructor(private readonly node: number) {}

  /** An application's Interest entering the network: on a flow of its own. */
  open(interest: Interest): Interest {
    const flow = new Interest(interest);
    flow.name = interest.name.append(new Component(TT.UnicastFlow, `${this.node}.${this.next++}`));
    return flow;
  }

  /** An Interest about to reach a producer on this node: as the application sent it. */
  deliverInterest(interest: Interest, token: unknown): Interest {
    if (!isFlow(interest.name)) {
      return interest;
    }
    this.byToken.set(token, { name: interest.name, expires: Date.now() + interest.lifetime });
    const original = new Interest(interest);
    original.name = interest.name.getPrefix(-1);
    return original;
  }

  /** A producer's answer: sent back under the flow's name, if the Interest came on a flow. */
  answer(data: Data, token: unknown): Data {
    const flow = this.byToken.get(token);
    if (!flow) {
      return data;
    }
    this.byToken.delete(token);
    const onFlow = new Data(data);
    onFlow.name = flow.name;
    onFlow.finalBlockId = data.finalBlockId; // the copy constructor leaves it out
    originals.set(onFlow, originals.get(data) ?? data);
    return onFlow;
  }

  /** Forget flows whose Interests expired unanswered (a producer need not answer). */
  sweep(now: number): void {
    for (const [token, { expires }] of this.byToken) {
      if (expires <= now) {
        this.byToken.delete(token);
      }
    }
  }

  /** Data reaching an application on this node: the producer's own packet. */
  static receive(data: Data): Data {
    return originals.get(data) ?? data;
  }
}

/** Whether a name ends in a flow component. */
export function isFlow(name: Name): boolean {
  return name.get(-1)?.type === TT.UnicastFlow;
}

/** A name without its flow component, if it has one: what a packet on a flow is about. */
export function withoutFlow(name: Name): Name {
  return isFlow(name) ? name.getPrefix(-1) : name;
}
