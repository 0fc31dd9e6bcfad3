import { expect, test } from "vitest";

import { ConfigError, parseNodeConfig } from "../src/node-process/mod.js";

const good = {
  name: "h1", role: "hospital", dataDir: "data/h1", consortium: "iomt", members: ["h1", "h2"],
  anchors: ["data/h2/anchor.cert"], udpListen: 6400, udpPeers: [{ remote: "127.0.0.1:6401", routes: ["/h2", "/iomt/consultation"] }],
};

test("a valid config, with paths relative to the file", () => {
  const c = parseNodeConfig(good, "/etc/iomt/h1.json");
  expect(c).toMatchObject({
    name: "h1", dataDir: "/etc/iomt/data/h1", anchors: ["/etc/iomt/data/h2/anchor.cert"],
    udpListen: 6400, udpPeers: [{ host: "127.0.0.1", port: 6401, routes: ["/h2", "/iomt/consultation"] }],
    writeEveryMs: 0, commitEveryMs: 2000,
  });
});

test.each([
  [{ ...good, name: "a/b" }, /h\.json: name: expected a name component/],
  [{ ...good, role: "router" }, /role: expected "hospital"/],
  [{ ...good, members: ["h2"] }, /members: must include this node, h1/],
  [{ ...good, udpPeers: [{ remote: "nowhere" }] }, /udpPeers\[0\]\.remote: expected host:port, got "nowhere"/],
  [{ ...good, udpPeers: [{ remote: "127.0.0.1:70000" }] }, /udpPeers\[0\]\.remote: expected a port number, got 70000/],
  [{ ...good, udpPeers: [{ remote: "127.0.0.1:1", routes: ["h2"] }] }, /udpPeers\[0\]\.routes\[0\]: expected a name/],
  [{ ...good, udpListen: undefined }, /udpListen: UDP peers need this node's UDP port/],
  [{ ...good, commitEveryMs: -1 }, /commitEveryMs: expected a number of milliseconds/],
  [{ ...good, colour: "blue" }, /colour: unknown field/],
  [[1, 2], /\(file\): expected a JSON object/],
])("a bad config names the field: %#", (raw, message) => {
  expect(() => parseNodeConfig(raw, "h.json")).toThrow(ConfigError);
  expect(() => parseNodeConfig(raw, "h.json")).toThrow(message);
});
