import { produce, type Producer } from "@ndn/endpoint";
import type { Forwarder, FwFace, FwPacket } from "@ndn/fw";
import { ControlParameters, ControlResponse, localhostPrefix } from "@ndn/nfdmgmt";
import { Data, digestSigning, Interest } from "@ndn/packet";
import { Decoder, Encoder } from "@ndn/tlv";

const RIB = localhostPrefix.append("rib");

/**
 * The part of NFD's management protocol that a local application needs to publish: rib/register
 * and rib/unregister (https://redmine.named-data.net/projects/nfd/wiki/RibMgmt). A command adds or
 * removes a route toward the face it came on, which the forwarder's producer cannot see, so each
 * local face's incoming commands are noted as they pass ({@link LocalRib.commandsFrom}). As NFD
 * does for local faces by default,
 * commands are accepted whoever signed them; routes last until unregistered or the face closes.
 */
export class LocalRib implements Disposable {
  /** Command Interest (name) → the face it came on; taken by the handler. */
  private readonly arrivedOn = new Map<string, FwFace>();
  private readonly producer: Producer;
  private nextFaceId = 1;
  private readonly faceIds = new WeakMap<FwFace, number>();

  constructor(fw: Forwarder) {
    this.producer = produce(localhostPrefix, (interest) => this.command(interest), { fw, describe: "local rib", announcement: false });
  }

  /**
   * Number a local application's face, and return what notes the commands it sends: give it each
   * packet the face receives, before the forwarder has it.
   */
  commandsFrom(face: FwFace): (pkt: FwPacket) => void {
    this.faceIds.set(face, this.nextFaceId++);
    return (pkt) => {
      if (pkt.l3 instanceof Interest && localhostPrefix.isPrefixOf(pkt.l3.name)) {
        this.arrivedOn.set(pkt.l3.name.valueHex, face);
      }
    };
  }

  private async command(interest: Interest): Promise<Data> {
    const face = this.arrivedOn.get(interest.name.valueHex);
    this.arrivedOn.delete(interest.name.valueHex);
    const reply = (code: number, text: string, params?: ControlParameters) => this.reply(interest, new ControlResponse(code, text, params));
    if (!face) {
      return reply(403, "commands are accepted from local faces only");
    }
    if (!RIB.isPrefixOf(interest.name)) {
      return reply(501, `${interest.name.get(localhostPrefix.length)?.text ?? "(none)"} management is not supported (rib register and unregister are)`);
    }
    const verb = interest.name.get(RIB.length)?.text;
    let params: ControlParameters;
    try {
      params = new Decoder(interest.name.get(RIB.length + 1)!.value).decode(ControlParameters);
    } catch {
      return reply(400, "malformed ControlParameters");
    }
    if (!params.name) {
      return reply(400, "ControlParameters has no Name");
    }
    switch (verb) {
      case "register":
        face.addRoute(params.name, false);
        break;
      case "unregister":
        face.removeRoute(params.name, false);
        break;
      default:
        return reply(501, `rib/${verb} is not supported (register and unregister are)`);
    }
    params.faceId = this.faceIds.get(face);
    params.origin ??= 0;
    return reply(200, "OK", params);
  }

  private async reply(interest: Interest, response: ControlResponse): Promise<Data> {
    const data = new Data(interest.name, Encoder.encode(response));
    await digestSigning.sign(data);
    return data;
  }

  [Symbol.dispose](): void {
    this.producer.close();
  }
}
