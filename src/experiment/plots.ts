import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

import type { ForwardingMode } from "../scenario/mod.js";
import type { RunRecord } from "./run-record.js";
import { mean, meanCi } from "./statistics.js";

/** A rendered plot: its file name in the output folder, what it shows and at which slice, and the SVG. */
export interface RenderedPlot {
  file: string;
  title: string;
  svg: string;
}

/** The runs the K sweep reads: those at the largest bandwidth and patient count, where either design ran every K. */
export interface ConsumerSlice {
  records: RunRecord[];
  bottleneckBw: number;
  patients: number;
}

/** The runs the bandwidth sweep reads: those at the most consumers and patients, where either design ran every bandwidth. */
export interface BandwidthSlice {
  records: RunRecord[];
  consumers: number;
  patients: number;
}

/**
 * Each mode's colour, the same in every plot (colour-blind safe); the key order is the legends'
 * order and the report's. A new mode needs a colour here.
 */
const MODE_COLOURS: Readonly<Record<ForwardingMode, string>> = {
  ndn: "#0072b2",
  "ndn-nocache": "#56b4e9",
  ip: "#d55e00",
  cloud: "#cc79a7",
};

/** Every mode, in the order the plots and the report list them. */
export const MODE_ORDER = Object.keys(MODE_COLOURS) as ForwardingMode[];

const WIDTH = 480;
const HEIGHT = 300;
const IDEAL_LINE = "ideal NDN (one copy)";
const UNICAST_LINE = "K copies (unicast)";

/** One layer of a layered spec, as vega-lite types it. */
type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number];

/** A plot before rendering: `heading` and `slice` become its title and subtitle. */
interface PlotSpec {
  file: string;
  heading: string;
  slice: string;
  spec: TopLevelSpec;
}

/** The mean of a metric over seeds, for one mode at one point of a sweep. */
interface MeanPoint {
  mode: ForwardingMode;
  x: number;
  mean: number;
  low: number;
  high: number;
  n: number;
}

/** The experiment's plots as SVG, each skipped when its sweep has too few points to draw a trend. */
export async function renderPlots(records: readonly RunRecord[]): Promise<RenderedPlot[]> {
  const plots = [bottleneckTrafficPlot(records), latencyPlot(records), dropsPlot(records), deliveryPlot(records)]
    .filter((p) => p !== undefined);
  return Promise.all(plots.map(async (p) => ({ file: p.file, title: `${p.heading}, ${p.slice}`, svg: await renderSvg(p.spec) })));
}

/** Headless: Vega's scenegraph straight to SVG text, no canvas needed. */
async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The K sweep's runs (shared with the report, so that both read the same runs). */
export function consumerSlice(records: readonly RunRecord[]): ConsumerSlice {
  const bottleneckBw = largest(records.map((r) => r.bottleneckBw));
  const patients = largest(records.map((r) => r.patients));
  return { records: records.filter((r) => r.bottleneckBw === bottleneckBw && r.patients === patients), bottleneckBw, patients };
}

/** The bandwidth sweep's runs (shared with the report). */
export function bandwidthSlice(records: readonly RunRecord[]): BandwidthSlice {
  const consumers = largest(records.map((r) => r.consumers));
  const patients = largest(records.map((r) => r.patients));
  return { records: records.filter((r) => r.consumers === consumers && r.patients === patients), consumers, patients };
}

/** The distinct values, ascending. */
export function distinctSorted(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** The modes that occur in `records`, in MODE_ORDER. */
export function modesIn(records: readonly RunRecord[]): ForwardingMode[] {
  return MODE_ORDER.filter((mode) => records.some((r) => r.mode === mode));
}

/** Octets toward the hospital against K, with the ideal NDN and unicast lines to judge the relief by. */
function bottleneckTrafficPlot(records: readonly RunRecord[]): PlotSpec | undefined {
  const slice = consumerSlice(records);
  if (slice.records.length === 0) {
    return undefined;
  }
  const raw = meanPoints(slice.records, (r) => r.consumers, (r) => r.bottleneckBytesToHospital);
  const unit = octetUnit(Math.max(...raw.map((p) => p.high)));
  const points = raw.map((p) => ({ ...p, mean: p.mean / unit.divisor, low: p.low / unit.divisor, high: p.high / unit.divisor }));
  const ks = distinctSorted(slice.records.map((r) => r.consumers));
  const kMin = ks[0]!;
  const ndnAtKMin = points.find((p) => p.mode === "ndn" && p.x === kMin);
  const yTitle = `${unit.name} toward the hospital`;
  const heading = "Bottleneck octets toward the hospital against consumers K";
  const sliceText = `at ${slice.bottleneckBw} Mbit/s and ${slice.patients} patients (${meanOfSeeds(slice.records)})`;
  return {
    file: "bottleneck-traffic.svg",
    heading,
    slice: sliceText,
    spec: meanAgainstSweepSpec({
      title: { text: heading, subtitle: sliceText },
      points,
      x: { title: "consumers K (log scale)", values: ks, logBase: 2 },
      y: { title: yTitle },
      extraLayers: ndnAtKMin ? [referenceLinesLayer(ks, ndnAtKMin.mean, yTitle)] : [],
    }),
  };
}

/** The ideal NDN (the smallest K's ndn octets, whatever K) and K copies (that value grown with K). */
function referenceLinesLayer(ks: readonly number[], oneCopy: number, yTitle: string): Layer {
  const kMin = ks[0]!;
  const values = ks.flatMap((k) => [
    { x: k, y: oneCopy, reference: IDEAL_LINE },
    { x: k, y: (oneCopy * k) / kMin, reference: UNICAST_LINE },
  ]);
  const references = [IDEAL_LINE, UNICAST_LINE];
  return {
    data: { values },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: { field: "x", type: "quantitative" },
      y: { field: "y", type: "quantitative", title: yTitle },
      color: { field: "reference", type: "nominal", title: "reference", scale: { domain: references, range: ["black", "#999999"] } },
      strokeDash: { field: "reference", type: "nominal", title: "reference", scale: { domain: references, range: [[6, 4], [2, 3]] } },
    },
  };
}

/** Reading latency as an empirical CDF per mode, one panel per bandwidth, at the largest K. */
function latencyPlot(records: readonly RunRecord[]): PlotSpec | undefined {
  const slice = bandwidthSlice(records);
  const rows = modesIn(slice.records).flatMap((mode) =>
    distinctSorted(slice.records.map((r) => r.bottleneckBw)).flatMap((bottleneckBw) => {
      const vectors = slice.records
        .filter((r) => r.mode === mode && r.bottleneckBw === bottleneckBw && r.readingLatencyQuantiles.length > 0)
        .map((r) => r.readingLatencyQuantiles);
      const pooled = averageQuantiles(vectors);
      // A log axis has no place for 0 ms.
      return pooled.map((latency, i) => ({ mode, bottleneckBw, latency, fraction: i / (pooled.length - 1) }))
        .filter((row) => row.latency > 0);
    }));
  if (rows.length === 0) {
    return undefined;
  }
  const panels = new Set(rows.map((row) => row.bottleneckBw)).size;
  const heading = "Reading latency distribution per mode and bottleneck bandwidth";
  const sliceText = `at K = ${slice.consumers} and ${slice.patients} patients (${seedsText(slice.records)}, each percent's latency averaged over them)`;
  return {
    file: "latency.svg",
    heading,
    slice: sliceText,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: heading, subtitle: sliceText },
      data: { values: rows },
      facet: {
        column: {
          field: "bottleneckBw",
          type: "ordinal",
          sort: "descending",
          header: { title: "bottleneck bandwidth", labelExpr: "datum.value + ' Mbit/s'" },
        },
      },
      spec: {
        width: Math.max(160, Math.round(WIDTH / panels)),
        height: HEIGHT,
        mark: { type: "line" },
        encoding: {
          x: {
            field: "latency",
            type: "quantitative",
            title: "latency (ms, log scale)",
            scale: { type: "log", nice: false },
            axis: { tickCount: 4, format: "~g" },
          },
          y: { field: "fraction", type: "quantitative", title: "fraction of delivered readings", scale: { domain: [0, 1] } },
          color: modeColour(),
          order: { field: "fraction", type: "quantitative" },
        },
      },
    },
  };
}

/** Bottleneck queue drops against bandwidth, at the largest K; nothing to draw with one bandwidth. */
function dropsPlot(records: readonly RunRecord[]): PlotSpec | undefined {
  return bandwidthPlot(records, {
    file: "drops.svg",
    heading: "Bottleneck queue drops against bottleneck bandwidth",
    yTitle: "drop-tail drops on the bottleneck",
    metric: (r) => r.drops.bottleneck,
  });
}

/** Reading delivery against bandwidth, at the largest K; nothing to draw with one bandwidth. */
function deliveryPlot(records: readonly RunRecord[]): PlotSpec | undefined {
  return bandwidthPlot(records, {
    file: "delivery.svg",
    heading: "Reading delivery ratio against bottleneck bandwidth",
    yTitle: "readings delivered / (published × K)",
    yDomain: [0, 1],
    metric: (r) => r.deliveryRatio.readings,
  });
}

/** A metric's mean per mode against the bandwidth sweep (at the most consumers and patients). */
function bandwidthPlot(
  records: readonly RunRecord[],
  what: { file: string; heading: string; yTitle: string; yDomain?: [number, number]; metric: (r: RunRecord) => number },
): PlotSpec | undefined {
  const slice = bandwidthSlice(records);
  const bandwidths = distinctSorted(slice.records.map((r) => r.bottleneckBw));
  if (bandwidths.length < 2) {
    return undefined;
  }
  const sliceText = `at K = ${slice.consumers} and ${slice.patients} patients (${meanOfSeeds(slice.records)})`;
  return {
    file: what.file,
    heading: what.heading,
    slice: sliceText,
    spec: meanAgainstSweepSpec({
      title: { text: what.heading, subtitle: sliceText },
      points: meanPoints(slice.records, (r) => r.bottleneckBw, what.metric),
      x: { title: "bottleneck bandwidth (Mbit/s, log scale)", values: bandwidths, logBase: 10 },
      y: { title: what.yTitle, domain: what.yDomain },
    }),
  };
}

/** Means per mode as lines with points and 95% CI error bars where there are several seeds, over any extra layers. */
function meanAgainstSweepSpec(opts: {
  title: { text: string; subtitle: string };
  points: MeanPoint[];
  x: { title: string; values: number[]; logBase: number };
  y: { title: string; domain?: [number, number] | undefined };
  extraLayers?: Layer[];
}): TopLevelSpec {
  const x = {
    field: "x",
    type: "quantitative",
    title: opts.x.title,
    scale: { type: "log", base: opts.x.logBase, domain: paddedLogDomain(opts.x.values), nice: false },
    axis: { values: opts.x.values, format: "~g", grid: true },
  } as const;
  // Every metric plotted is a count or a ratio: an interval reaching below 0 is cut at the axis.
  const yScale = opts.y.domain ? { domain: opts.y.domain } : { domainMin: 0 };
  const modeLayers: Layer = {
    layer: [
      {
        data: { values: opts.points },
        mark: { type: "line", point: true },
        encoding: { x, y: { field: "mean", type: "quantitative", title: opts.y.title, scale: yScale }, color: modeColour() },
      },
      {
        data: { values: opts.points.filter((p) => p.n > 1) },
        mark: { type: "errorbar", ticks: true, clip: true },
        encoding: { x, y: { field: "low", type: "quantitative", title: opts.y.title }, y2: { field: "high" }, color: modeColour() },
      },
    ],
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: opts.title,
    width: WIDTH,
    height: HEIGHT,
    layer: [...(opts.extraLayers ?? []), modeLayers],
    // The reference lines' colours are not modes: a scale and a legend of their own.
    resolve: { scale: { color: "independent", strokeDash: "independent" } },
    config: { legend: { labelLimit: 0 } },
  };
}

/** Colour by mode on a fixed domain, so that a mode keeps its colour whichever modes a run swept. */
function modeColour() {
  return {
    field: "mode",
    type: "nominal",
    title: "mode",
    scale: { domain: [...MODE_ORDER], range: MODE_ORDER.map((m) => MODE_COLOURS[m]) },
  } as const;
}

/** Per mode and x, the mean of `metric` over the runs there (the seeds) with its 95% CI. */
function meanPoints(records: readonly RunRecord[], x: (r: RunRecord) => number, metric: (r: RunRecord) => number): MeanPoint[] {
  const groups = new Map<string, { mode: ForwardingMode; x: number; values: number[] }>();
  for (const r of records) {
    const key = `${r.mode}/${x(r)}`;
    const group = groups.get(key) ?? { mode: r.mode, x: x(r), values: [] };
    group.values.push(metric(r));
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => ({ mode: g.mode, x: g.x, ...meanCi(g.values) }));
}

/** Seeds pooled by averaging each percent's latency across them: the typical run's distribution. */
function averageQuantiles(vectors: ReadonlyArray<readonly number[]>): number[] {
  if (vectors.length === 0) {
    return [];
  }
  const length = Math.min(...vectors.map((v) => v.length));
  return Array.from({ length }, (_, i) => mean(vectors.map((v) => v[i]!)));
}

/** A log axis domain reaching a little past the extremes, so the end points are not on the frame. */
function paddedLogDomain(values: readonly number[]): [number, number] {
  const margin = 1.3;
  return [Math.min(...values) / margin, Math.max(...values) * margin];
}

/** kB or MB, whichever keeps the numbers short (plain octets below 1 kB). */
export function octetUnit(largestValue: number): { name: string; divisor: number } {
  if (largestValue >= 1e6) {
    return { name: "MB", divisor: 1e6 };
  }
  return largestValue >= 1e3 ? { name: "kB", divisor: 1e3 } : { name: "octets", divisor: 1 };
}

/** What the points and error bars rest on: "mean of 3 seeds, 95% CI", or "1 seed, no CI". */
function meanOfSeeds(records: readonly RunRecord[]): string {
  const text = seedsText(records);
  return text === "1 seed" ? "1 seed, no CI" : `mean of ${text}, 95% CI`;
}

/** "3 seeds", "1 seed". */
function seedsText(records: readonly RunRecord[]): string {
  const seeds = new Set(records.map((r) => r.seed)).size;
  return seeds === 1 ? "1 seed" : `${seeds} seeds`;
}

function largest(values: readonly number[]): number {
  return Math.max(...values);
}
