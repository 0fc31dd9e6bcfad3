import type { RunRecord } from "./run-record.js";

/**
 * Fill in the alarms a lossless network would have raised, once every run is in. The physiology
 * is the same for one seed in every mode and bandwidth, so a run that delivered every reading
 * raised exactly those; without one in a group, the most any run raised is the best bound there is,
 * and the record says so.
 */
export function settleAlarmExpectations(records: RunRecord[]): void {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = `${r.patients}/${r.seed}/${r.durationMs}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const group of groups.values()) {
    const lossless = group.filter((r) => r.deliveryRatio.readings === 1);
    const expected = Math.max(0, ...(lossless.length > 0 ? lossless : group).map((r) => r.alarms.raised));
    for (const r of group) {
      r.alarms.expected = expected;
      r.alarms.expectedFromLossless = lossless.length > 0;
      const due = expected * r.alarms.doctors;
      r.deliveryRatio.alarms = due === 0 ? null : r.alarms.delivered / due;
    }
  }
}
