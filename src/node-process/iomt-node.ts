import path from "node:path";

import { NodeForwarder } from "../node/mod.js";
import type { NodeConfig } from "./config.js";
import { HomeRole } from "./home-role.js";
import { HospitalRole } from "./hospital-role.js";
import { NodeFaces } from "./node-faces.js";

type Role = HospitalRole | HomeRole | undefined;

/**
 * A node as a long-running process: its forwarder inside the node layer (Content Store,
 * aggregation, loop guard), its role's applications (hospital, home gateway, or none for a
 * router), and the faces its config names. A restart resumes from the repo under its data directory.
 */
export class IomtNode implements AsyncDisposable {
  private constructor(
    readonly config: NodeConfig,
    private readonly node: NodeForwarder,
    readonly role: Role,
    readonly faces: NodeFaces,
    /** A hospital's fork (fault injection, `fork` in its config): a second node with the same keys. */
    readonly fork?: IomtNode,
  ) {}

  static async start(config: NodeConfig): Promise<IomtNode> {
    return IomtNode.startAt(config);
  }

  private static async startAt(config: NodeConfig, repoDir?: string): Promise<IomtNode> {
    const node = new NodeForwarder();
    let role: Role;
    let faces: NodeFaces | undefined;
    try {
      role = config.role === "hospital" ? await HospitalRole.start(node.fw, config, repoDir) :
        config.role === "home" ? await HomeRole.start(node.fw, config) : undefined;
      faces = await NodeFaces.open(node, config.faces, role?.prefixes ?? []);
      const fork = config.role === "hospital" && config.hospital.fork ? await IomtNode.startAt({
        ...config,
        faces: { udpListen: config.hospital.fork.udpListen, udpPeers: config.hospital.fork.udpPeers, tcpPeers: [] },
        hospital: { ...config.hospital, fork: undefined },
      }, path.join(config.dataDir, "fork", "repo")) : undefined;
      return new IomtNode(config, node, role, faces, fork);
    } catch (err: unknown) {
      await faces?.[Symbol.asyncDispose]();
      await role?.[Symbol.asyncDispose]();
      node.close();
      throw err;
    }
  }

  describe(): string {
    const what = this.role?.describe() ?? "forwarding only";
    return `${this.config.role} ${this.config.name} (${this.faces.describe()}): ${what}${this.fork ? `; fork: ${this.fork.describe()}` : ""}`;
  }

  /** What the node did, for `<dataDir>/stats.json`. */
  stats(): Record<string, unknown> {
    return {
      name: this.config.name, role: this.config.role,
      udp: this.faces.udp && { ...this.faces.udp.counters, strangers: this.faces.udp.strangers, malformed: this.faces.udp.malformed },
      consultation: this.role instanceof HospitalRole ? {
        blocks: this.role.replica.dag.size, confirmed: this.role.replica.dag.confirmed().length,
        equivocations: this.role.replica.dag.equivocations.length,
      } : undefined,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.fork?.[Symbol.asyncDispose]();
    await this.role?.[Symbol.asyncDispose]();
    await this.faces[Symbol.asyncDispose]();
    this.node.close();
  }
}
