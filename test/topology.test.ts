import { describe, expect, test } from "vitest";

import { formatConf, parseNdnSimTopology, parseTopology, readTopologyFile, TopologyError } from "../src/topology/mod.js";

describe("topology files", () => {
  test("the default topology: 4 homes with all sensors, an ISP router, a hospital with monitor and 2 doctors", async () => {
    const t = await readTopologyFile("topologies/home-hospital.conf");
    const nodes = [...t.nodes.values()];
    const homes = nodes.filter((n) => n.role === "home");
    expect(homes.length).toBeGreaterThanOrEqual(4);
    for (const h of homes) {
      expect(h.patients).toHaveLength(1);
      expect(h.patients[0]!.streams).toHaveLength(6);
      expect(h.hospital).toBe("stmary");
    }
    expect(nodes.filter((n) => n.role === "router")).toHaveLength(1);
    expect(t.nodes.get("stmary")).toMatchObject({ role: "hospital", doctors: 2, monitor: true });
    const episodes = homes.flatMap((h) => h.patients[0]!.episodes.map((e) => e.kind));
    expect(episodes).toContain("deterioration");
    expect(episodes).toContain("fall");
  });

  test("Mini-NDN attributes are read with their units", () => {
    const t = parseTopology("[nodes]\na: _\nb: _ role=router\n[switches]\n[links]\na:b delay=10ms bw=100 loss=1.5 jitter=2ms max_queue_size=50\n");
    expect(t.links[0]).toEqual({ a: "a", b: "b", line: 6, delayMs: 10, bandwidthMbps: 100, loss: 0.015, jitterMs: 2, maxQueueSize: 50, markThreshold: undefined });
    expect(t.nodes.get("a")!.role).toBe("router"); // plain Mini-NDN nodes are routers
  });

  test("a plain Mini-NDN file runs as is: its node parameters kept, switches as routers", () => {
    const t = parseTopology([
      "[nodes]",
      "a: _ network=/world router=/%C1.Router/cs/a radius=0.6 angle=1.2",
      "b: _",
      "[switches]",
      "s1: _",
      "[links]",
      "a:s1 delay=10ms",
      "s1:b delay=10ms",
    ].join("\n"));
    expect(t.nodes.get("a")).toMatchObject({ role: "router", params: { radius: "0.6" } });
    expect(t.nodes.get("s1")!.role).toBe("router");
    expect(t.links).toHaveLength(2);
  });

  test("home parameters: patients, sensors, episodes, forgeries", () => {
    const t = parseTopology([
      "[nodes]",
      "h: _ role=hospital doctors=3 monitor=no",
      "x: _ role=home patients=p1,p2 sensors=heart-rate,spo2 rate=2 deteriorate=1m+30s fall=90s forge=bad-signature:spo2:3-5",
    ].join("\n"));
    const x = t.nodes.get("x")!;
    expect(x.patients.map((p) => p.pid)).toEqual(["p1", "p2"]);
    expect(x.patients[0]!.streams).toEqual(["heart-rate", "spo2"]);
    expect(x.patients[1]!.rateHz).toBe(2);
    expect(x.patients[0]!.episodes).toEqual([
      { kind: "deterioration", atMs: 60_000, rampMs: 30_000 },
      { kind: "fall", atMs: 90_000 },
    ]);
    expect(x.patients[0]!.forgeries).toEqual([{ kind: "bad-signature", stream: "spo2", from: 3, to: 5 }]);
    expect(t.nodes.get("h")).toMatchObject({ doctors: 3, monitor: false });
  });
});

describe("malformed topology files name file and line", () => {
  const bad: Array<[string, string, number, RegExp]> = [
    ["a line before any section", "a: _\n", 1, /outside any section/],
    ["an unknown section", "[nodes]\na: _\n[hosts]\n", 3, /unknown section \[hosts\]/],
    ["a node line without a colon", "[nodes]\n\n# c\njust-a-word\n", 4, /expected "name: _ key=value/],
    ["a duplicate node", "[nodes]\na: _\na: _\n", 3, /already defined on line 2/],
    ["an unknown role", "[nodes]\na: _ role=clinic\n", 2, /unknown role "clinic"/],
    ["a parameter the role lacks", "[nodes]\nh: _ role=hospital patients=x\n", 2, /hospital node has no parameter patients/],
    ["an unknown sensor", "[nodes]\nh: _ role=hospital\nx: _ role=home sensors=glucose\n", 3, /unknown sensor stream "glucose"/],
    ["a bad duration", "[nodes]\nh: _ role=hospital\nx: _ role=home fall=soon\n", 3, /fall: invalid duration "soon"/],
    ["a link to an unknown node", "[nodes]\na: _\n[links]\na:b delay=1ms\n", 4, /unknown node b/],
    ["a bad delay", "[nodes]\na: _\nb: _\n[links]\na:b delay=fast\n", 5, /delay: invalid duration "fast"/],
    ["a loss above 100%", "[nodes]\na: _\nb: _\n[links]\na:b loss=150\n", 5, /percentage/],
    ["an unknown link attribute", "[nodes]\na: _\nb: _\n[links]\na:b latency=5ms\n", 5, /unknown link attribute latency/],
    ["a duplicate link", "[nodes]\na: _\nb: _\n[links]\na:b\nb:a\n", 6, /duplicate link/],
    ["a home without a hospital to use", "[nodes]\nx: _ role=home\n", 2, /must name its hospital.*0 hospitals/],
    ["a home naming a router as hospital", "[nodes]\nr: _\nh: _ role=hospital\nx: _ role=home hospital=r\n", 4, /hospital=r is not a hospital node/],
    ["a patient at two homes", "[nodes]\nh: _ role=hospital\nx: _ role=home patients=a\ny: _ role=home patients=a\n", 4, /patient a of h is also at x/],
    ["a bad forgery", "[nodes]\nh: _ role=hospital\nx: _ role=home forge=steal:spo2:1\n", 3, /forge: expected/],
    ["a key without value", "[nodes]\nh: _ role=hospital doctors\n", 2, /expected key=value, got "doctors"/],
    ["a sampling rate of zero", "[nodes]\nh: _ role=hospital\nx: _ role=home rate=0\n", 3, /rate=0: the vitals' sampling rate/],
    ["doctors not a number", "[nodes]\nh: _ role=hospital doctors=two\n", 2, /doctors=two is not a non-negative integer/],
  ];
  test.each(bad)("%s", (_what, text, line, message) => {
    let err: unknown;
    try {
      parseTopology(text, "t.conf");
    } catch (e: unknown) {
      err = e;
    }
    expect(err).toBeInstanceOf(TopologyError);
    expect((err as TopologyError).line).toBe(line);
    expect((err as TopologyError).message).toMatch(new RegExp(`^t\\.conf:${line}: `));
    expect((err as TopologyError).message).toMatch(message);
  });

  test("a missing file says so", async () => {
    await expect(readTopologyFile("no/such.conf")).rejects.toThrow(/cannot read topology no\/such.conf/);
  });
});

describe("ndnSIM annotated topologies", () => {
  test("are imported as routers with bandwidth, delay and queue, and convert to our format", async () => {
    const t = await readTopologyFile("test/fixtures/ndnsim-abilene.txt");
    expect([...t.nodes.keys()]).toEqual(["Seattle", "Denver", "Chicago", "NewYork"]);
    expect(t.links[0]).toMatchObject({ a: "Seattle", b: "Denver", bandwidthMbps: 10_000, delayMs: 12, maxQueueSize: 100 });
    expect(t.links[2]).toMatchObject({ bandwidthMbps: 2500, delayMs: 8, maxQueueSize: undefined });
    const again = parseTopology(formatConf(t), "converted.conf");
    expect(again.links).toEqual(t.links.map((l) => ({ ...l, line: expect.any(Number), markThreshold: undefined })));
  });
  test("errors name the line", () => {
    expect(() => parseNdnSimTopology("router\nA NA 1 1\nlink\nA B 1Mbps 1 1ms\n", "x.txt")).toThrow(/^x\.txt:4: link to unknown node B/);
    expect(() => parseNdnSimTopology("router\nA NA\nB NA\nlink\nA B fast 1 1ms\n", "x.txt")).toThrow(/^x\.txt:5: bandwidth "fast"/);
  });
});
